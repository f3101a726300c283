/*
 * The JSON report of one configuration (SPEC §11, §11.1): snake_case keys,
 * integer counters, taken after the final check and before swapoff. Every
 * key is always present; a counter the profile's kernel lacks is null.
 * Besides the required sections it carries the corrupt-load details and the
 * distributions that `compare` and the HTML report plot.
 */
import type { CompressionStats } from '../mm/compression.js';
import type { Machine } from '../mm/replay.js';
import type { ZramDevice } from '../mm/zram.js';
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
  frontswap_dup: string | null;
  zeromap: boolean;
  exclusive_loads: boolean;
  pool_total_size_mode: 'cached' | 'live';
  shrink_worker_pace: number | 'sync' | null;
  swapcache_write: string;
  reclaim_batch: number;
  pool_in_ram: boolean;
  threads: number;
  zswap_enabled: boolean;
  /** The zram devices (SPEC §12.1); [] when there is none. */
  zram: { type: number; disksize: number; algorithm: string; mem_limit: number; priority: number }[];
}

/** §11's compression object: every compression performed, and the decompressions of loads and writebacks. */
export interface CompressionReport {
  pages: number;
  overflow_pages: number;
  bytes_in: number;
  bytes_out: number;
  ratio: number | null;
  size_percentiles: Percentiles;
  /** The sizes of the pages that fit one page (overflowing pages excluded): what a pool can hold. */
  stored_size_percentiles: Percentiles;
  compress_ns_percentiles: Percentiles;
  decompress_ns_percentiles: Percentiles;
  /** Decompressions timed (loads, writebacks), and the total time of each kind (this process's codec, ns). */
  decompressions: number;
  compress_ns_total: number;
  decompress_ns_total: number;
}

/** One zram device: mm_stat and io_stat under the kernel's names (SPEC §12.9). */
export interface ZramReport {
  type: number;
  disksize: number;
  algorithm: string;
  orig_data_size: number;
  compr_data_size: number;
  mem_used_total: number;
  mem_limit: number;
  mem_used_max: number;
  same_pages: number;
  pages_compacted: number;
  huge_pages: number;
  huge_pages_since: number;
  failed_reads: number;
  failed_writes: number;
  notify_free: number;
  /** Swap reads and writes the device served (/sys/block/zramN/stat's I/Os; failed writes included). */
  num_reads: number;
  num_writes: number;
  compression: CompressionReport;
}

type Maybe = number | null;

export interface Report {
  config: ReportConfig;
  vm: Machine['vm'];
  /** The trace's working set: the most pages its processes held at once (in RAM or swapped). */
  workload: { pages_peak: number };
  swap: {
    swapouts: number;
    swapins: number;
    pswpout: number;
    pswpin: number;
    slots_total: number;
    slots_used_peak: number;
    zswpout: Maybe;
    zswpin: Maybe;
    zswpwb: Maybe;
    swpout_zero: Maybe;
    swpin_zero: Maybe;
  };
  frontswap: { succ_stores: number; failed_stores: number; loads: number; invalidates: number } | null;
  zswap: {
    pool_limit_hit: number;
    reject_reclaim_fail: number;
    reject_alloc_fail: number;
    reject_compress_poor: number;
    reject_compress_fail: Maybe;
    written_back_pages: number;
    duplicate_entry: Maybe;
    pool_total_size: number;
    stored_pages: number;
    same_filled_pages: Maybe;
    stored_incompressible_pages: Maybe;
    decompress_fail: Maybe;
    pool_total_size_peak: number;
    stored_pages_peak: number;
  };
  pool: { pages: number; pages_peak: number; bytes_stored: number };
  compression: CompressionReport;
  zram: ZramReport[];
  verify: {
    loads_checked: number;
    final_checked: number;
    corrupt_loads: number;
    stale_zswap_entries: Maybe;
    corrupt: Machine['corrupt'];
  };
  timing: { wall_s: number; pages_per_s: number };
  distributions: Distributions;
  time_series: TimeSeries | null;
}

export function compressionReport(comp: CompressionStats): CompressionReport {
  return {
    pages: comp.pages,
    overflow_pages: comp.overflowPages,
    bytes_in: comp.bytesIn,
    bytes_out: comp.bytesOut,
    ratio: comp.bytesOut === 0 ? null : comp.bytesIn / comp.bytesOut,
    size_percentiles: comp.sizes.percentiles(),
    stored_size_percentiles: comp.storedSizes.percentiles(),
    compress_ns_percentiles: comp.compressNs.percentiles(),
    decompress_ns_percentiles: comp.decompressNs.percentiles(),
    decompressions: comp.decompressNs.count,
    compress_ns_total: Math.round(comp.compressNsTotal),
    decompress_ns_total: Math.round(comp.decompressNsTotal),
  };
}

/** mm_stat scaled as the kernel scales it: bytes where it prints bytes. */
export function zramReport(d: ZramDevice): ZramReport {
  const s = d.stats;
  return {
    type: d.type,
    disksize: d.config.disksizePages * PAGE_SIZE,
    algorithm: d.config.algorithm,
    orig_data_size: s.pages_stored * PAGE_SIZE,
    compr_data_size: s.compr_data_size,
    mem_used_total: d.pool.pages * PAGE_SIZE,
    mem_limit: d.config.limitPages * PAGE_SIZE,
    mem_used_max: s.max_used_pages * PAGE_SIZE,
    same_pages: s.same_pages,
    pages_compacted: 0,
    huge_pages: s.huge_pages,
    huge_pages_since: s.huge_pages_since,
    failed_reads: s.failed_reads,
    failed_writes: s.failed_writes,
    notify_free: s.notify_free,
    num_reads: s.num_reads,
    num_writes: s.num_writes,
    compression: compressionReport(d.compression),
  };
}

const KERNEL_ORDER = ['3.11', '5.10', '6.1', '6.12', '6.18'];
/** Is the profile's kernel `version` or newer? */
function since(kernel: string, version: string): boolean {
  return KERNEL_ORDER.indexOf(kernel) >= KERNEL_ORDER.indexOf(version);
}

export function buildReport(machine: Machine, compressor: string, threads: number, wallSeconds: number, series: TimeSeries | null = null): Report {
  const c = machine.config;
  const z = machine.zswap;
  const zs = z.stats;
  const comp = z.compression;
  const k = c.kernel;
  const direct = machine.frontswap === null;
  const when = (have: boolean, v: number): Maybe => (have ? v : null);
  return {
    config: {
      trace: c.traceName,
      ram: c.ramPages * PAGE_SIZE,
      swap: c.swapSlots.reduce((s, n) => s + n, 0) * PAGE_SIZE,
      swap_devices: c.swapSlots.map((n) => n * PAGE_SIZE),
      swap_prio: [...c.swapPrio],
      kernel: k,
      compressor,
      zpool: c.zpool,
      max_pool_percent: c.max_pool_percent,
      accept_threshold_percent: c.accept_threshold_percent,
      limit_policy: c.limitPolicy,
      same_filled_pages: c.same_filled_pages,
      duplicate: c.duplicate,
      frontswap_dup: c.frontswapDup,
      zeromap: c.zeromap,
      exclusive_loads: c.exclusiveLoads,
      pool_total_size_mode: machine.profile.cachedTotalSize ? 'cached' : 'live',
      shrink_worker_pace: direct ? c.shrinkWorkerPace : null,
      swapcache_write: c.swapcacheWrite,
      reclaim_batch: c.reclaimBatch,
      pool_in_ram: c.poolInRam,
      threads,
      zswap_enabled: c.zswapEnabled,
      zram: machine.zrams.flatMap((z) =>
        z === null
          ? []
          : [{ type: z.type, disksize: z.config.disksizePages * PAGE_SIZE, algorithm: z.config.algorithm, mem_limit: z.config.limitPages * PAGE_SIZE, priority: c.swapPrio[z.type] }],
      ),
    },
    vm: { ...machine.vm },
    workload: { pages_peak: machine.pagesHeldPeak },
    swap: {
      swapouts: machine.io.swapouts,
      swapins: machine.io.swapins,
      pswpout: machine.io.pswpout,
      pswpin: machine.io.pswpin,
      ...machine.swap.stats,
      zswpout: when(since(k, '6.1'), z.vmstat.zswpout),
      zswpin: when(since(k, '6.1'), z.vmstat.zswpin),
      zswpwb: when(direct, z.vmstat.zswpwb),
      swpout_zero: when(direct, machine.io.swpout_zero),
      swpin_zero: when(direct, machine.io.swpin_zero),
    },
    frontswap: machine.frontswap === null ? null : { ...machine.frontswap.stats },
    zswap: {
      pool_limit_hit: zs.pool_limit_hit,
      reject_reclaim_fail: zs.reject_reclaim_fail,
      reject_alloc_fail: zs.reject_alloc_fail,
      reject_compress_poor: zs.reject_compress_poor,
      reject_compress_fail: when(direct, zs.reject_compress_fail),
      written_back_pages: zs.written_back_pages,
      duplicate_entry: when(!direct, zs.duplicate_entry),
      pool_total_size: z.poolTotalSize,
      stored_pages: zs.stored_pages,
      same_filled_pages: when(!direct, zs.same_filled_pages),
      stored_incompressible_pages: when(k === '6.18', zs.stored_incompressible_pages),
      decompress_fail: when(k === '6.18', zs.decompress_fail),
      pool_total_size_peak: zs.pool_total_size_peak,
      stored_pages_peak: zs.stored_pages_peak,
    },
    pool: { pages: z.pool.pages, pages_peak: z.poolPagesPeak, bytes_stored: z.bytesStored() },
    compression: compressionReport(comp),
    zram: machine.zrams.flatMap((d) => (d === null ? [] : [zramReport(d)])),
    verify: {
      loads_checked: machine.verify.loads_checked,
      final_checked: machine.verify.final_checked,
      corrupt_loads: machine.verify.corrupt_loads,
      stale_zswap_entries: when(direct, machine.verify.stale_zswap_entries),
      corrupt: machine.corrupt,
    },
    timing: {
      wall_s: wallSeconds,
      pages_per_s: wallSeconds > 0 ? machine.io.swapouts / wallSeconds : 0,
    },
    distributions: distributions(machine),
    time_series: series,
  };
}
