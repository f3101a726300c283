/*
 * zswap: mm/zswap.c, in both of its eras (kernel-notes §2, kernel-notes-6x,
 * SPEC §6, §6.0, §6.1).
 *
 * A store compresses the page and keeps the block in a zpool object (zbud,
 * z3fold or zsmalloc, behind src/mm/pools/zpool.ts); the entry (type,
 * offset) → object lives in a per-type tree. The entry keeps the real
 * compressed bytes and a reference to the Content they were made from.
 *
 * Frontswap era (3.11, 5.10, 6.1): zswap is a frontswap backend (`store`,
 * `load`, `invalidatePage`, `invalidateArea`). When the pool reaches
 * max_pool_percent of RAM:
 *   sync-reclaim  (3.11) write back one pool page at once, then store
 *   reject-shrink (5.10, 6.1) fail this store, write back one pool page
 *                 right after it (`runQueuedShrink`), and refuse stores
 *                 until the pool drops below accept_threshold_percent of
 *                 the limit (hysteresis)
 * The limit tests read a cached pool_total_size, refreshed only at the end
 * of a successful store and whenever an entry is freed (§6.0): a page the
 * allocator frees on its own stays counted until then. Writeback is the
 * pool's evict callback: it needs the 8-byte header naming the slot (hlen
 * 8 for zbud and z3fold, 0 for zsmalloc, which cannot evict).
 *
 * Direct era (6.12, 6.18): the swap path calls `storeDirect`, `loadDirect`
 * and `invalidatePage`; the limit test reads the live pool size with
 * hysteresis (`zswap_check_limits`), writeback LRU is zswap's own list with
 * a second-chance `referenced` bit, and a failed store while the pool was
 * full starts the shrink worker, which runs beside the workload: the
 * machine gives it `shrinkWorkerPace` writebacks at the end of each record
 * (`runWorker`), or runs it to its end at once (`sync`).
 *
 * The tmem contract on duplicate stores is `--duplicate`: overwrite (the
 * frontswap-era kernel: replace at insert, counted), replace (6.9+: replace
 * at insert silently; a failed store erases the old entry), reject (free
 * the old copy and fail), bug (BUG_ON), stale (keep the old copy and fail).
 *
 * Counters and gauges carry debugfs's names; every failure path bumps at
 * most one. Left out: THP and large folios, kmem_cache failure, pool
 * switching, memcg limits and writeback control, the pressure shrinker,
 * decompression failure.
 */
import { compressPage, type Codec, type CompressedPage } from '../compress/codec.js';
import { CompressorError, errorMessage } from '../errors.js';
import { PAGE_SIZE } from '../page.js';
import { CompressionStats } from './compression.js';
import type { Content } from './content.js';
import { Link, List } from './list.js';
import { EEXIST, ENOMEM, ENOSPC, type FrameSource, type Zpool, type ZpoolName } from './pools/zpool.js';
import { ZbudPool } from './pools/zbud.js';
import { Z3foldPool } from './pools/z3fold.js';
import { ZsmallocPool, type ChainSize } from './pools/zsmalloc.js';
import { SWAP_HAS_CACHE } from './swapfile.js';
import type { LoadSite, Verifier } from './verify.js';

export type LimitPolicy = 'sync-reclaim' | 'reject-shrink' | 'shrink-until-accept';
export type DuplicatePolicy = 'overwrite' | 'reject' | 'bug' | 'stale' | 'replace';
/** What a page that does not compress into one page becomes: ≤ 6.1 an uncounted failure, 6.12 `reject_compress_fail`, 6.18 a raw 4096-byte object. */
export type Incompressible = 'fail' | 'reject_compress_fail' | 'store-raw';

export interface ZswapParams {
  /** Called through frontswap (≤ 6.1), or by the swap path itself with its own writeback LRU (6.12+). */
  era: 'frontswap' | 'direct';
  /** totalram_pages */
  totalramPages: number;
  max_pool_percent: number;
  accept_threshold_percent: number;
  same_filled_pages_enabled: boolean;
  limitPolicy: LimitPolicy;
  duplicate: DuplicatePolicy;
  exclusiveLoads: boolean;
  /** Limit tests and debugfs read the cached pool_total_size (≤ 6.1), else the live one. */
  cachedTotalSize: boolean;
  incompressible: Incompressible;
  zpool: ZpoolName;
  /** zswap_header before each object: 8 for pools that can evict (≤ 6.1), else 0. */
  hlen: number;
  /** zsmalloc's chain size. */
  chain: ChainSize;
  /** zbud and z3fold keep their own LRU and reclaim (≤ 6.4). */
  poolLru: boolean;
  /** z3fold puts a partly evicted page back on its list (6.1; 5.10 does not). */
  z3foldRelist: boolean;
  /** Writebacks the 6.12+ shrink worker does per record; 'sync': a run goes to its end at once. */
  shrinkWorkerPace: number | 'sync';
}

/** /sys/kernel/debug/zswap, plus the peaks of SPEC §11. */
export interface ZswapStats {
  pool_limit_hit: number;
  reject_reclaim_fail: number;
  reject_alloc_fail: number;
  reject_compress_poor: number;
  reject_compress_fail: number;
  written_back_pages: number;
  duplicate_entry: number;
  stored_pages: number;
  same_filled_pages: number;
  stored_incompressible_pages: number;
  decompress_fail: number;
  pool_total_size_peak: number;
  stored_pages_peak: number;
}

/**
 * What a load hands back: the content the entry holds, the block to really
 * decompress (null for same-filled and raw entries), and whether the load
 * freed the entry (exclusive).
 */
export interface ZswapLoaded {
  content: Content;
  block: Uint8Array | null;
  freed: boolean;
}

/** What zswap needs from the machine around it. */
export interface ZswapHost extends FrameSource {
  /** swap_map byte of the slot: 0 free; SWAP_HAS_CACHE set while a page is in the swap cache. */
  slotState(type: number, offset: number): number;
  /** __swap_writepage of a written-back entry's content. */
  writeBack(type: number, offset: number, content: Content): void;
  /** `--duplicate bug`: stop the run (throws). */
  duplicateBug(type: number, offset: number): never;
  /** Where a writeback's decompression is reported from. */
  writebackSite(type: number, offset: number): LoadSite;
}

export class ZswapEntry {
  /** zswap's own LRU (6.12+). */
  readonly lru = new Link<ZswapEntry>(this);
  /** Second chance: set at store, cleared by one pass of the shrink worker. */
  referenced = true;
  constructor(
    readonly type: number,
    readonly offset: number,
    /** Pool handle; 0 for a same-filled entry. */
    readonly handle: number,
    /** dlen: 0 for a same-filled entry, 4096 for a raw one. */
    readonly length: number,
    /** The compressed bytes; null for same-filled and raw entries. */
    readonly block: Uint8Array | null,
    /** What the entry holds (what a load returns). */
    readonly source: Content,
  ) {}
}

/** Successful stores, loads and writebacks (vmstat's zswpout, zswpin, zswpwb). */
export interface ZswapVmstat {
  zswpout: number;
  zswpin: number;
  zswpwb: number;
}

const MAX_RECLAIM_RETRIES = 16;

/** The shrink worker of 6.12+: its cursor survives runs; a run's counters survive records. */
interface ShrinkWorker {
  running: boolean;
  /** Next step: the root memcg, or the end of the memcg walk. */
  atRoot: boolean;
  failures: number;
  attempts: number;
  /** Accept threshold in pages, as at the run's start. */
  thr: number;
}

export function createZpool(p: ZswapParams, frames: FrameSource, evict: (handle: number) => number): Zpool {
  switch (p.zpool) {
    case 'zbud':
      return new ZbudPool(frames, evict, p.poolLru);
    case 'z3fold':
      return new Z3foldPool(frames, evict, p.poolLru, p.z3foldRelist);
    case 'zsmalloc':
      return new ZsmallocPool(p.chain);
  }
}

export class Zswap {
  readonly stats: ZswapStats = {
    pool_limit_hit: 0,
    reject_reclaim_fail: 0,
    reject_alloc_fail: 0,
    reject_compress_poor: 0,
    reject_compress_fail: 0,
    written_back_pages: 0,
    duplicate_entry: 0,
    stored_pages: 0,
    same_filled_pages: 0,
    stored_incompressible_pages: 0,
    decompress_fail: 0,
    pool_total_size_peak: 0,
    stored_pages_peak: 0,
  };
  readonly vmstat: ZswapVmstat = { zswpout: 0, zswpin: 0, zswpwb: 0 };
  readonly compression = new CompressionStats();
  readonly pool: Zpool;
  /** The allocator's real pages at their peak (sampled where the debugfs peaks are). */
  poolPagesPeak = 0;
  /** Stores that failed, for any reason (a time series of the report). */
  failedStores = 0;
  readonly trees: Map<number, ZswapEntry>[] = [];
  private readonly byHandle = new Map<number, ZswapEntry>();
  /** zswap's writeback LRU (6.12+): head = oldest. */
  readonly lru = new List<ZswapEntry>();
  /** zswap_pool_total_size in pages as last refreshed (≤ 6.1). */
  private cachedPages = 0;
  /** zswap_pool_reached_full */
  reachedFull = false;
  /** A store hit the limit under reject-shrink: run the shrink work after it returns. */
  private shrinkQueued = false;
  private readonly worker: ShrinkWorker = { running: false, atRoot: true, failures: 0, attempts: 0, thr: 0 };
  /** Set by the machine just before a store whose page was compressed ahead. */
  prepared: CompressedPage | null = null;

  constructor(
    readonly params: ZswapParams,
    readonly codec: Codec,
    private readonly host: ZswapHost,
    private readonly verifier: Verifier,
  ) {
    this.pool = createZpool(params, host, (handle) => this.writebackHandle(handle));
  }

  // ---- limits ---------------------------------------------------------

  /** pool_total_size as debugfs shows it: the cached value (≤ 6.1) or the live one. */
  get poolTotalSize(): number {
    return (this.params.cachedTotalSize ? this.cachedPages : this.pool.pages) * PAGE_SIZE;
  }

  /** zswap_max_pool pages: floor(totalram × max_pool_percent / 100). */
  private maxPages(): number {
    const p = this.params;
    return Math.floor((p.totalramPages * p.max_pool_percent) / 100);
  }

  /** zswap_is_full (≤ 6.1): the cached pool size over the limit. */
  isFull(): boolean {
    return this.maxPages() < this.cachedPages;
  }

  /** zswap_can_accept (≤ 6.1) */
  canAccept(): boolean {
    const p = this.params;
    const threshold = Math.floor((p.totalramPages * p.accept_threshold_percent) / 100);
    return Math.floor((threshold * p.max_pool_percent) / 100) > this.cachedPages;
  }

  /** zswap_accept_thr_pages (6.12+) */
  private acceptThrPages(): number {
    return Math.floor((this.maxPages() * this.params.accept_threshold_percent) / 100);
  }

  /** zswap_check_limits (6.12+): reached_full after updating it from the live size. */
  private checkLimits(): boolean {
    const cur = this.pool.pages;
    if (cur >= this.maxPages()) {
      this.stats.pool_limit_hit++;
      this.reachedFull = true;
    } else if (this.reachedFull && cur <= this.acceptThrPages()) {
      this.reachedFull = false;
    }
    return this.reachedFull;
  }

  /**
   * Will the next stores reach compression? False while the pool refuses
   * them before step 4: compressing their pages ahead would be wasted work.
   */
  likelyToCompress(): boolean {
    switch (this.params.limitPolicy) {
      case 'sync-reclaim':
        return true;
      case 'reject-shrink':
        return !this.isFull() && (!this.reachedFull || this.canAccept());
      case 'shrink-until-accept':
        return this.pool.pages < this.maxPages() && !(this.reachedFull && this.pool.pages > this.acceptThrPages());
    }
  }

  // ---- frontswap hooks (≤ 6.1) ------------------------------------------

  init(type: number): void {
    this.trees[type] = new Map();
  }

  /** zswap_frontswap_store: 0 on success, a negative errno on failure. */
  store(type: number, offset: number, content: Content): number {
    const prepared = this.prepared;
    this.prepared = null;
    const ret = this.storeFrontswap(type, offset, content, prepared);
    if (ret !== 0) {
      this.failedStores++;
      if (this.params.duplicate === 'replace') this.checkOld(type, offset);
    }
    this.endCall();
    return ret;
  }

  private storeFrontswap(type: number, offset: number, content: Content, prepared: CompressedPage | null): number {
    const p = this.params;
    const s = this.stats;

    // 0. duplicate check, for the policies that act first
    const dup = this.duplicateFirst(type, offset);
    if (dup !== 0) return dup;

    // 1. pool limit
    if (this.isFull()) {
      s.pool_limit_hit++;
      if (p.limitPolicy === 'sync-reclaim') {
        if (this.pool.shrink() !== 0) {
          s.reject_reclaim_fail++;
          return ENOMEM;
        }
      } else {
        this.reachedFull = true;
        this.shrinkQueued = true;
        return ENOMEM;
      }
    }

    // 2. hysteresis (reject-shrink)
    if (p.limitPolicy === 'reject-shrink' && this.reachedFull) {
      if (!this.canAccept()) return ENOMEM;
      this.reachedFull = false;
    }

    // 3. same-filled: no pool memory
    if (p.same_filled_pages_enabled && content.sameFilled) {
      this.insert(new ZswapEntry(type, offset, 0, 0, null, content));
      return 0;
    }

    // 4. compress into a PAGE_SIZE buffer
    const c = this.compress(content, prepared);
    if (!c.fits) return -22; // -EINVAL, no counter

    // 5. allocate header + block
    const handle = this.zpoolMalloc(p.hlen + c.block.length);
    if (handle < 0) return handle === ENOSPC ? ENOSPC : ENOMEM;

    // 6. insert, replacing a duplicate
    this.insert(new ZswapEntry(type, offset, handle, c.block.length, c.block, content));
    return 0;
  }

  /** The shrink work queued by a store that hit the limit (reject-shrink); a zswap call of its own. */
  runQueuedShrink(): void {
    if (!this.shrinkQueued) return;
    this.shrinkQueued = false;
    if (this.pool.shrink() !== 0) this.stats.reject_reclaim_fail++;
    this.endCall();
  }

  /** zswap_frontswap_load: the entry's content, or null (written back, or never stored). */
  load(type: number, offset: number): ZswapLoaded | null {
    return this.loadDirect(type, offset, this.params.exclusiveLoads);
  }

  /** What an entry holds, without counting anything (the final check of SPEC §9). */
  peek(type: number, offset: number): ZswapLoaded | null {
    const entry = this.trees[type]?.get(offset);
    return entry === undefined ? null : { content: entry.source, block: entry.block, freed: false };
  }

  /** zswap_frontswap_invalidate_page / zswap_invalidate (6.12+). */
  invalidatePage(type: number, offset: number): void {
    const entry = this.trees[type].get(offset);
    if (entry === undefined) return;
    this.freeEntry(entry);
    this.endCall();
  }

  invalidateArea(type: number): void {
    const tree = this.trees[type];
    for (const entry of [...tree.values()]) this.freeEntry(entry);
    this.pool.endCall();
  }

  hasEntry(type: number, offset: number): boolean {
    return this.trees[type].has(offset);
  }

  // ---- the direct era (6.12+) ---------------------------------------------

  /** zswap_store: true when the page is now held by zswap. */
  storeDirect(type: number, offset: number, content: Content): boolean {
    const prepared = this.prepared;
    this.prepared = null;
    const ok = this.storeDirectSteps(type, offset, content, prepared);
    if (!ok) {
      this.failedStores++;
      if (this.params.duplicate === 'replace') this.checkOld(type, offset);
      if (this.reachedFull && !this.worker.running) this.startWorker();
    }
    this.endCall();
    if (!ok && this.worker.running && this.params.shrinkWorkerPace === 'sync') this.runWorker(Infinity);
    return ok;
  }

  /** zpool_malloc for a store: -ENOSPC (object over the pool's limit) counts reject_compress_poor, any other failure reject_alloc_fail. */
  private zpoolMalloc(size: number): number {
    const handle = this.pool.malloc(size);
    if (handle === ENOSPC) this.stats.reject_compress_poor++;
    else if (handle < 0) this.stats.reject_alloc_fail++;
    return handle;
  }

  private storeDirectSteps(type: number, offset: number, content: Content, prepared: CompressedPage | null): boolean {
    const p = this.params;
    const s = this.stats;
    if (this.duplicateFirst(type, offset) !== 0) return false;
    // a. limits
    if (this.checkLimits()) return false;
    // b. compress
    const c = this.compress(content, prepared);
    let length = c.block.length;
    let block: Uint8Array | null = c.block;
    if (p.incompressible === 'store-raw') {
      if (!c.fits || length >= PAGE_SIZE) {
        length = PAGE_SIZE;
        block = null;
      }
    } else if (!c.fits) {
      s.reject_compress_fail++;
      return false;
    }
    // c. allocate
    const handle = this.zpoolMalloc(p.hlen + length);
    if (handle < 0) return false;
    // d., e. insert
    this.insert(new ZswapEntry(type, offset, handle, length, block, content));
    return true;
  }

  /** zswap_load (6.12+): exclusive loads free the entry (the page is in the swap cache). */
  loadDirect(type: number, offset: number, exclusive: boolean): ZswapLoaded | null {
    const entry = this.trees[type].get(offset);
    if (entry === undefined) return null;
    this.vmstat.zswpin++;
    if (exclusive) this.freeEntry(entry);
    this.endCall();
    return { content: entry.source, block: entry.block, freed: exclusive };
  }

  // ---- the shrink worker (6.12+) ------------------------------------------

  get workerRunning(): boolean {
    return this.worker.running;
  }

  private startWorker(): void {
    const w = this.worker;
    w.running = true;
    w.failures = 0;
    w.attempts = 0;
    w.thr = this.acceptThrPages();
  }

  /**
   * Lets a running worker take steps until it has written back `budget`
   * entries or its run ends (16 failures, or the pool at the threshold).
   */
  runWorker(budget: number): void {
    const w = this.worker;
    let writtenBack = 0;
    while (w.running && writtenBack < budget) {
      if (this.workerStep()) writtenBack++;
      if (w.failures >= MAX_RECLAIM_RETRIES || this.pool.pages <= w.thr) w.running = false;
    }
  }

  /** One step of shrink_worker's loop; true when it wrote an entry back. */
  private workerStep(): boolean {
    const w = this.worker;
    let wrote = false;
    if (!w.atRoot) {
      // the end of a memcg tree walk
      if (w.attempts === 0) w.failures++;
      w.attempts = 0;
    } else {
      const entry = this.lru.head();
      if (entry !== null) {
        w.attempts++;
        this.lru.moveToTail(entry.lru);
        if (entry.referenced) {
          entry.referenced = false;
          w.failures++;
        } else if (this.writeback(entry) === 0) {
          this.stats.written_back_pages++;
          wrote = true;
        } else {
          this.stats.reject_reclaim_fail++;
          w.failures++;
        }
      }
    }
    w.atRoot = !w.atRoot;
    this.endCall();
    return wrote;
  }

  // ---- writeback --------------------------------------------------------

  /** The zpool evict callback (≤ 6.1): writes back the entry behind a handle. */
  private writebackHandle(handle: number): number {
    const entry = this.byHandle.get(handle);
    if (entry === undefined) return 0; // already invalidated
    const ret = this.writeback(entry);
    if (ret === 0) this.stats.written_back_pages++;
    return ret;
  }

  /**
   * zswap_writeback_entry: fails while the slot is free or a page holding it
   * is in the swap cache (including one whose store is running); else
   * decompresses the entry to the device slot and frees it. The slot stays
   * allocated (and its frontswap bit set).
   */
  private writeback(entry: ZswapEntry): number {
    const state = this.host.slotState(entry.type, entry.offset);
    if (state === 0) return ENOMEM;
    if (state & SWAP_HAS_CACHE) return EEXIST;
    if (entry.block !== null) {
      this.verifier.check({
        block: entry.block,
        codec: this.codec,
        expected: entry.source,
        stats: this.compression,
        site: this.host.writebackSite(entry.type, entry.offset),
      });
    }
    this.freeEntry(entry);
    this.vmstat.zswpwb++;
    this.host.writeBack(entry.type, entry.offset, entry.source);
    return 0;
  }

  // ---- helpers ----------------------------------------------------------

  /** Step 0 of §6 for the policies that act before anything else: 0, or the failure. */
  private duplicateFirst(type: number, offset: number): number {
    const policy = this.params.duplicate;
    if (policy !== 'reject' && policy !== 'bug' && policy !== 'stale') return 0;
    const old = this.trees[type].get(offset);
    if (old === undefined) return 0;
    if (policy === 'bug') this.host.duplicateBug(type, offset);
    if (policy === 'stale') return EEXIST;
    this.freeEntry(old);
    this.stats.duplicate_entry++;
    return EEXIST;
  }

  /** check_old: a failed store erases the entry at its offset (`replace`). */
  private checkOld(type: number, offset: number): void {
    const old = this.trees[type].get(offset);
    if (old !== undefined) this.freeEntry(old);
  }

  private compress(content: Content, prepared: CompressedPage | null): CompressedPage {
    let c = prepared;
    if (c === null) {
      try {
        c = compressPage(this.codec, content.bytes);
      } catch (e) {
        throw new CompressorError(`compressor ${this.codec.name} failed: ${errorMessage(e)}`);
      }
    }
    this.compression.recordCompress(c.block.length, c.fits, c.ns);
    return c;
  }

  /** Inserts a new entry, freeing one already at its offset, and counts the store. */
  private insert(entry: ZswapEntry): void {
    const tree = this.trees[entry.type];
    const old = tree.get(entry.offset);
    if (old !== undefined) {
      if (this.params.duplicate === 'overwrite') this.stats.duplicate_entry++;
      this.freeEntry(old);
    }
    tree.set(entry.offset, entry);
    if (entry.handle !== 0) this.byHandle.set(entry.handle, entry);
    const s = this.stats;
    s.stored_pages++;
    if (entry.length === 0) s.same_filled_pages++;
    if (entry.length === PAGE_SIZE && entry.block === null) s.stored_incompressible_pages++;
    if (this.params.era === 'direct') this.lru.addTail(entry.lru);
    this.vmstat.zswpout++;
    this.cachedPages = this.pool.pages;
  }

  /** zswap_free_entry: frees the object and refreshes the cached pool size. */
  private freeEntry(entry: ZswapEntry): void {
    this.trees[entry.type].delete(entry.offset);
    if (entry.lru.linked) this.lru.remove(entry.lru);
    const s = this.stats;
    s.stored_pages--;
    if (entry.length === 0) s.same_filled_pages--;
    else {
      if (entry.length === PAGE_SIZE && entry.block === null) s.stored_incompressible_pages--;
      this.byHandle.delete(entry.handle);
      this.pool.free(entry.handle);
    }
    this.cachedPages = this.pool.pages;
  }

  /** The end of a zswap call: the allocator's deferred work, then the peaks. */
  private endCall(): void {
    this.pool.endCall();
    this.samplePeaks();
  }

  samplePeaks(): void {
    const s = this.stats;
    const total = this.poolTotalSize;
    if (total > s.pool_total_size_peak) s.pool_total_size_peak = total;
    if (s.stored_pages > s.stored_pages_peak) s.stored_pages_peak = s.stored_pages;
    if (this.pool.pages > this.poolPagesPeak) this.poolPagesPeak = this.pool.pages;
  }

  /** Σ hlen + length over the objects held (same-filled entries hold none). */
  bytesStored(): number {
    let sum = 0;
    for (const tree of this.trees) {
      if (tree) for (const e of tree.values()) if (e.length > 0) sum += e.length + this.params.hlen;
    }
    return sum;
  }

  entryCount(): number {
    return this.trees.reduce((s, t) => s + (t ? t.size : 0), 0);
  }

  /** A broken invariant of zswap or its pool, described, or null. */
  checkInvariants(): string | null {
    let entries = 0;
    let same = 0;
    let raw = 0;
    for (const tree of this.trees) {
      if (!tree) continue;
      for (const e of tree.values()) {
        entries++;
        if (e.length === 0) same++;
        else if (this.byHandle.get(e.handle) !== e) return `entry ${e.type}:${e.offset} is not known by its handle`;
        if (e.length === PAGE_SIZE && e.block === null) raw++;
      }
    }
    const s = this.stats;
    if (s.stored_pages !== entries || s.same_filled_pages !== same || s.stored_incompressible_pages !== raw) {
      return `stored_pages ${s.stored_pages}/same_filled ${s.same_filled_pages}/incompressible ${s.stored_incompressible_pages} but the trees hold ${entries}/${same}/${raw}`;
    }
    if (this.params.era === 'direct' && this.lru.length !== entries) return `zswap's LRU holds ${this.lru.length} of ${entries} entries`;
    return this.pool.checkInvariants();
  }
}
