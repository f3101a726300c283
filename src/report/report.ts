/*
 * The JSON report of one configuration (SPEC §11): snake_case keys, integer
 * counters, taken after the final check and before swapoff. Besides the
 * required sections it carries the corrupt-load details and the
 * distributions that `compare` and the HTML report plot.
 */
import type { Machine } from '../mm/replay.js';
import { PAGE_SIZE } from '../page.js';
import type { Percentiles } from '../stats/histogram.js';
import { distributions, type Distributions } from './distributions.js';
import type { TimeSeries } from './series.js';

export interface ReportConfig {
  trace: string;
  ram: number;
  /** Bytes of swap, all devices together. */
  swap: number;
  swap_devices: number[];
  swap_prio: number[];
  kernel: string;
  compressor: string;
  zpool: string;
  max_pool_percent: number;
  accept_threshold_percent: number;
  limit_policy: string;
  same_filled_pages: boolean;
  duplicate: string;
  frontswap_dup: string;
  swapcache_write: string;
  reclaim_batch: number;
  pool_in_ram: boolean;
  threads: number;
  zswap_enabled: boolean;
}

export interface Report {
  config: ReportConfig;
  vm: Machine['vm'];
  swap: Machine['io'] & { slots_total: number; slots_used_peak: number };
  frontswap: Machine['frontswap']['stats'];
  zswap: Machine['zswap']['stats'];
  pool: { pages: number; bytes_stored: number };
  compression: {
    pages: number;
    overflow_pages: number;
    bytes_in: number;
    bytes_out: number;
    ratio: number | null;
    size_percentiles: Percentiles;
    compress_ns_percentiles: Percentiles;
    decompress_ns_percentiles: Percentiles;
  };
  verify: Machine['verify'] & { corrupt: Machine['corrupt'] };
  timing: { wall_s: number; pages_per_s: number };
  distributions: Distributions;
  time_series: TimeSeries | null;
}

export function buildReport(machine: Machine, compressor: string, threads: number, wallSeconds: number, series: TimeSeries | null = null): Report {
  const c = machine.config;
  const z = machine.zswap;
  const comp = z.compression;
  return {
    config: {
      trace: c.traceName,
      ram: c.ramPages * PAGE_SIZE,
      swap: c.swapSlots.reduce((s, n) => s + n, 0) * PAGE_SIZE,
      swap_devices: c.swapSlots.map((n) => n * PAGE_SIZE),
      swap_prio: [...c.swapPrio],
      kernel: c.kernel,
      compressor,
      zpool: c.zpool,
      max_pool_percent: c.max_pool_percent,
      accept_threshold_percent: c.accept_threshold_percent,
      limit_policy: c.limitPolicy,
      same_filled_pages: c.same_filled_pages,
      duplicate: c.duplicate,
      frontswap_dup: c.frontswapDup,
      swapcache_write: c.swapcacheWrite,
      reclaim_batch: c.reclaimBatch,
      pool_in_ram: c.poolInRam,
      threads,
      zswap_enabled: c.zswapEnabled,
    },
    vm: { ...machine.vm },
    swap: { ...machine.io, ...machine.swap.stats },
    frontswap: { ...machine.frontswap.stats },
    zswap: { ...z.stats },
    pool: { pages: z.pool.pages, bytes_stored: z.bytesStored() },
    compression: {
      pages: comp.pages,
      overflow_pages: comp.overflowPages,
      bytes_in: comp.bytesIn,
      bytes_out: comp.bytesOut,
      ratio: comp.bytesOut === 0 ? null : comp.bytesIn / comp.bytesOut,
      size_percentiles: comp.sizes.percentiles(),
      compress_ns_percentiles: comp.compressNs.percentiles(),
      decompress_ns_percentiles: comp.decompressNs.percentiles(),
    },
    verify: { ...machine.verify, corrupt: [...machine.corrupt] },
    timing: {
      wall_s: wallSeconds,
      pages_per_s: wallSeconds > 0 ? machine.io.swapouts / wallSeconds : 0,
    },
    distributions: distributions(machine),
    time_series: series,
  };
}
