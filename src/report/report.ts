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
import type { FileStats } from '../mm/pagecache.js';
import { Ramster } from '../mm/ramster.js';
import { Zcache } from '../mm/zcache.js';
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
  /** null with --backend xen-tmem (pages stored whole). */
  compressor: string | null;
  /** zswap's options: null with another backend (SPEC §13.0 rule 2). */
  zpool: string | null;
  max_pool_percent: number | null;
  accept_threshold_percent: number | null;
  limit_policy: string | null;
  same_filled_pages: boolean | null;
  duplicate: string | null;
  frontswap_dup: string | null;
  zeromap: boolean;
  exclusive_loads: boolean | null;
  pool_total_size_mode: 'cached' | 'live';
  shrink_worker_pace: number | 'sync' | null;
  swapcache_write: string;
  reclaim_batch: number;
  pool_in_ram: boolean;
  threads: number;
  zswap_enabled: boolean;
  /** The zram devices (SPEC §12.1); [] when there is none. */
  zram: { type: number; disksize: number; algorithm: string; mem_limit: number; priority: number }[];
  /** SPEC §13: the frontswap backend and its options (null where they do not apply). */
  backend: string;
  frontswap_writethrough: boolean | null;
  exclusive_gets: boolean | null;
  xen_maxmem: number | null;
  xen_host_free: number | null;
  zcache_gen: number | null;
  ramster_peers: { node: number; size: number; down_at: number | null }[] | null;
  ramster_target: number | null;
  ramster_remotify: string | null;
  ramster_rtt_us: number | null;
  selfshrink: boolean | null;
  selfballoon_interval: number | null;
  frontswap_hysteresis: number | null;
  frontswap_inertia: number | null;
  records_per_second: number;
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
  frontswap: { succ_stores: number; failed_stores: number; loads: number; invalidates: number; curr_pages: number } | null;
  /** null with another backend (SPEC §13.8 §11). */
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
  } | null;
  pool: { pages: number; pages_peak: number; bytes_stored: number };
  compression: CompressionReport;
  zram: ZramReport[];
  verify: {
    loads_checked: number;
    final_checked: number;
    corrupt_loads: number;
    stale_zswap_entries: Maybe;
    file_loads_checked: number;
    /** Backend entries whose frontswap bit is clear at the end (null without frontswap). */
    orphaned_entries: Maybe;
    corrupt: Machine['corrupt'];
  };
  /** SPEC §13: each backend's counters (null unless it is the backend), self-shrinking, cleancache, the page cache. */
  xen_tmem: Record<string, unknown> | null;
  zcache: Record<string, unknown> | null;
  ramster: Record<string, unknown> | null;
  selfshrink: { ticks: number; shrinks: number; pages: number; no_frame: number } | null;
  cleancache: { succ_gets: number; failed_gets: number; puts: number; invalidates: number } | null;
  file: FileStats;
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
  const comp = machine.compressionStats();
  const k = c.kernel;
  const direct = machine.frontswap === null;
  const when = (have: boolean, v: number): Maybe => (have ? v : null);
  const t = c.tmem;
  const backend = machine.backend;
  const zswapOwn = backend === null; // zswap's options and counters, or null with another backend
  const opt = <T>(v: T): T | null => (zswapOwn ? v : null);
  const knobs = c.frontswapKnobs ?? null;
  const shrink = t?.selfshrink ?? null;
  return {
    config: {
      trace: c.traceName,
      ram: c.ramPages * PAGE_SIZE,
      swap: c.swapSlots.reduce((s, n) => s + n, 0) * PAGE_SIZE,
      swap_devices: c.swapSlots.map((n) => n * PAGE_SIZE),
      swap_prio: [...c.swapPrio],
      kernel: k,
      compressor: backend?.name === 'xen-tmem' ? null : compressor,
      zpool: opt(c.zpool),
      max_pool_percent: opt(c.max_pool_percent),
      accept_threshold_percent: opt(c.accept_threshold_percent),
      limit_policy: opt(c.limitPolicy),
      same_filled_pages: opt(c.same_filled_pages),
      duplicate: opt(c.duplicate),
      frontswap_dup: c.frontswapDup,
      zeromap: c.zeromap,
      exclusive_loads: opt(c.exclusiveLoads),
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
      backend: t?.backend ?? 'zswap',
      frontswap_writethrough: knobs?.writethrough ?? null,
      exclusive_gets: knobs?.exclusiveGets ?? null,
      xen_maxmem: t?.xen ? t.xen.maxPages * PAGE_SIZE : null,
      xen_host_free: t?.xen ? t.xen.hostFreePages * PAGE_SIZE : null,
      zcache_gen: t?.zcacheGen ?? null,
      ramster_peers: t?.ramster ? t.ramster.peers.map((p) => ({ node: p.node, size: p.size, down_at: p.downAt })) : null,
      ramster_target: t?.ramster?.target ?? null,
      ramster_remotify: t?.ramster ? [t.ramster.persRemotify ? 'pers' : null, t.ramster.ephRemotify ? 'eph' : null].filter((x) => x !== null).join(',') || 'none' : null,
      ramster_rtt_us: t?.ramster?.rttUs ?? null,
      selfshrink: machine.frontswap === null ? null : shrink !== null,
      selfballoon_interval: shrink?.interval ?? null,
      frontswap_hysteresis: shrink?.hysteresis ?? null,
      frontswap_inertia: shrink?.inertia ?? null,
      records_per_second: t?.recordsPerSecond ?? 200,
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
    frontswap: machine.frontswap === null ? null : { ...machine.frontswap.stats, curr_pages: machine.frontswap.currPages() },
    zswap: !zswapOwn ? null : {
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
    pool:
      backend === null
        ? { pages: z.pool.pages, pages_peak: z.poolPagesPeak, bytes_stored: z.bytesStored() }
        : { pages: backend.poolPages(), pages_peak: machine.backendPoolPeak, bytes_stored: backend.bytesStored() },
    compression: compressionReport(comp),
    zram: machine.zrams.flatMap((d) => (d === null ? [] : [zramReport(d)])),
    verify: {
      loads_checked: machine.verify.loads_checked,
      final_checked: machine.verify.final_checked,
      corrupt_loads: machine.verify.corrupt_loads,
      stale_zswap_entries: when(direct, machine.verify.stale_zswap_entries),
      file_loads_checked: machine.verify.file_loads_checked,
      orphaned_entries: machine.orphanedEntries(),
      corrupt: machine.corrupt,
    },
    xen_tmem: backend?.name === 'xen-tmem' ? backend.report() : null,
    zcache: backend instanceof Zcache ? backend.report() : null,
    ramster: backend instanceof Ramster ? backend.ramsterReport() : null,
    selfshrink: machine.selfshrink === null ? null : { ...machine.selfshrink.stats },
    // cleancache existed until ≈5.17: its counters from 3.11 to 5.10
    cleancache: since(k, '6.1') ? null : { ...machine.pageCache.cleancache.stats },
    file: { ...machine.pageCache.stats },
    timing: {
      wall_s: wallSeconds,
      pages_per_s: wallSeconds > 0 ? machine.io.swapouts / wallSeconds : 0,
    },
    distributions: distributions(machine),
    time_series: series,
  };
}
