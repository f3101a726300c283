/*
 * zswap: mm/zswap.c as a frontswap backend (kernel-notes §2, SPEC §6).
 *
 * A store compresses the page into a 4096-byte buffer and keeps the block,
 * behind an 8-byte header naming its swap entry, in a zbud object; the entry
 * (type, offset) → handle lives in a per-type tree. When the pool reaches
 * max_pool_percent of RAM, one of two kernel behaviours applies:
 *   sync-reclaim  (3.11) write back one zbud page at once, then store
 *   reject-shrink (5.10) fail this store, write back one zbud page right
 *                 after it, and refuse stores until the pool drops below
 *                 accept_threshold_percent of the limit (hysteresis)
 * Writeback decompresses an entry to its slot on the backing device; the slot
 * stays allocated and its frontswap bit set, so a later load misses here and
 * reads the device.
 *
 * The tmem contract on duplicate stores is `--duplicate`: overwrite (the
 * kernel: replace at insert), reject (free the old copy and fail), bug
 * (BUG_ON), stale (keep the old copy and fail — deliberately broken).
 *
 * Counters and gauges carry debugfs's names. Every failure path bumps at
 * most one counter; a compressed page over 4096 bytes bumps none, as in
 * kernels up to 6.6. Left out: THP, kmem_cache failure, pool switching,
 * compressor errors other than overflow, zsmalloc/z3fold, exclusive loads.
 */
import type { Codec } from '../compress/codec.js';
import { CompressorError, errorMessage } from '../errors.js';
import { PAGE_SIZE, fillWord, isSameFilled, words32 } from '../page.js';
import { ExactHistogram, LogHistogram } from '../stats/histogram.js';
import type { FrontswapOps } from './frontswap.js';
import type { PageAllocator } from './zbud.js';
import { EEXIST, EINVAL, ENOMEM, ENOSPC, ZbudPool } from './zbud.js';
import type { PageSlab } from './slab.js';
import { SWAP_HAS_CACHE } from './swapfile.js';

export type LimitPolicy = 'sync-reclaim' | 'reject-shrink';
export type DuplicatePolicy = 'overwrite' | 'reject' | 'bug' | 'stale';

export interface ZswapParams {
  /** totalram_pages */
  totalramPages: number;
  max_pool_percent: number;
  accept_threshold_percent: number;
  same_filled_pages_enabled: boolean;
  limitPolicy: LimitPolicy;
  duplicate: DuplicatePolicy;
}

/** /sys/kernel/debug/zswap, plus the two peaks of SPEC §11. */
export interface ZswapStats {
  pool_limit_hit: number;
  reject_reclaim_fail: number;
  reject_alloc_fail: number;
  reject_compress_poor: number;
  written_back_pages: number;
  duplicate_entry: number;
  pool_total_size: number;
  stored_pages: number;
  same_filled_pages: number;
  pool_total_size_peak: number;
  stored_pages_peak: number;
}

/** Every compression performed at step 4 and every decompression of a load or writeback. */
export class CompressionStats {
  pages = 0;
  overflowPages = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly sizes = new ExactHistogram();
  readonly compressNs = new LogHistogram();
  readonly decompressNs = new LogHistogram();

  recordCompress(dlen: number, ns: number): void {
    this.pages++;
    this.bytesIn += PAGE_SIZE;
    this.bytesOut += dlen;
    if (dlen > PAGE_SIZE) this.overflowPages++;
    this.sizes.add(dlen);
    this.compressNs.add(ns);
  }
}

/** A page compressed ahead of its store (by the worker pool). */
export interface CompressedPage {
  block: Uint8Array;
  ns: number;
  /** The page's digest (src/mm/digest.ts), when the compressor computed it too. */
  digest?: Int32Array;
}

/** What zswap needs from the machine around it. */
export interface ZswapHost {
  /** swap_map byte of the slot: 0 free; SWAP_HAS_CACHE set while a page is in the swap cache. */
  slotState(type: number, offset: number): number;
  /** __swap_writepage of a written-back entry. */
  writeToDevice(type: number, offset: number, page: Uint8Array): void;
  /** `--duplicate bug`: stop the run (throws). */
  duplicateBug(type: number, offset: number): never;
}

export interface ZswapEntry {
  offset: number;
  handle: number;
  /** dlen: 0 for a same-filled entry. */
  length: number;
  fillLo: number;
  fillHi: number;
}

const ZSWAP_HEADER = 8;

export class Zswap implements FrontswapOps {
  readonly stats: ZswapStats = {
    pool_limit_hit: 0,
    reject_reclaim_fail: 0,
    reject_alloc_fail: 0,
    reject_compress_poor: 0,
    written_back_pages: 0,
    duplicate_entry: 0,
    pool_total_size: 0,
    stored_pages: 0,
    same_filled_pages: 0,
    pool_total_size_peak: 0,
    stored_pages_peak: 0,
  };
  readonly compression = new CompressionStats();
  readonly pool: ZbudPool;
  readonly trees: Map<number, ZswapEntry>[] = [];
  /** zswap_pool_reached_full (reject-shrink). */
  reachedFull = false;
  /** A store hit the limit under reject-shrink: run the shrink work after it returns. */
  private shrinkQueued = false;
  /** Set by the machine just before a store whose page was compressed ahead. */
  prepared: CompressedPage | null = null;
  private readonly scratch = new Uint8Array(PAGE_SIZE);

  constructor(
    readonly params: ZswapParams,
    readonly codec: Codec,
    slab: PageSlab,
    allocator: PageAllocator,
    private readonly host: ZswapHost,
  ) {
    this.pool = new ZbudPool(slab, allocator, { evict: (handle) => this.writebackEntry(handle) });
  }

  // ---- limits ---------------------------------------------------------

  /** ceil(pool_total_size / PAGE_SIZE): zbud's total_size is whole pages. */
  private poolPages(): number {
    return this.pool.pages;
  }

  /** zswap_is_full */
  isFull(): boolean {
    const p = this.params;
    return Math.floor((p.totalramPages * p.max_pool_percent) / 100) < this.poolPages();
  }

  /** zswap_can_accept */
  canAccept(): boolean {
    const p = this.params;
    const threshold = Math.floor((p.totalramPages * p.accept_threshold_percent) / 100);
    return Math.floor((threshold * p.max_pool_percent) / 100) > this.poolPages();
  }

  /**
   * Will the next stores reach compression? False while a reject-shrink pool
   * is full or waiting under its hysteresis: those stores fail before step
   * 4, so compressing their pages ahead would be wasted work.
   */
  likelyToCompress(): boolean {
    if (this.params.limitPolicy !== 'reject-shrink') return true;
    return !this.isFull() && (!this.reachedFull || this.canAccept());
  }

  // ---- frontswap hooks ------------------------------------------------

  init(type: number): void {
    this.trees[type] = new Map();
  }

  store(type: number, offset: number, page: Uint8Array): number {
    const prepared = this.prepared;
    this.prepared = null;
    const ret = this.doStore(type, offset, page, prepared);
    this.samplePeaks();
    return ret;
  }

  private doStore(type: number, offset: number, page: Uint8Array, prepared: CompressedPage | null): number {
    const tree = this.trees[type];
    const p = this.params;
    const s = this.stats;

    // 0. duplicate check, for the policies that act first
    if (p.duplicate !== 'overwrite') {
      const old = tree.get(offset);
      if (old !== undefined) {
        if (p.duplicate === 'bug') this.host.duplicateBug(type, offset);
        if (p.duplicate === 'stale') return EEXIST;
        this.freeEntry(tree, old);
        s.duplicate_entry++;
        return EEXIST;
      }
    }

    // 1. pool limit
    if (this.isFull()) {
      s.pool_limit_hit++;
      if (p.limitPolicy === 'sync-reclaim') {
        if (this.pool.reclaimPage(8) !== 0) {
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

    let entry: ZswapEntry;
    if (p.same_filled_pages_enabled && isSameFilled(page)) {
      // 3. same-filled: no pool memory
      const w = words32(page);
      entry = { offset, handle: 0, length: 0, fillLo: w[0], fillHi: w[1] };
    } else {
      // 4. compress into a PAGE_SIZE buffer
      let block: Uint8Array;
      if (prepared !== null) {
        block = prepared.block;
        this.compression.recordCompress(block.length, prepared.ns);
      } else {
        const t0 = performance.now();
        try {
          block = this.codec.compress(page);
        } catch (e) {
          throw new CompressorError(`compressor ${this.codec.name} failed: ${errorMessage(e)}`);
        }
        this.compression.recordCompress(block.length, (performance.now() - t0) * 1e6);
      }
      const dlen = block.length;
      if (dlen > PAGE_SIZE) return EINVAL;

      // 5. allocate header + block
      const handle = this.pool.alloc(dlen + ZSWAP_HEADER);
      if (handle === ENOSPC) {
        s.reject_compress_poor++;
        return ENOSPC;
      }
      if (handle < 0) {
        s.reject_alloc_fail++;
        return ENOMEM;
      }
      const obj = this.pool.map(handle, dlen + ZSWAP_HEADER);
      writeHeader(obj, type, offset);
      obj.set(block, ZSWAP_HEADER);
      entry = { offset, handle, length: dlen, fillLo: 0, fillHi: 0 };
    }

    // 6. insert, replacing a duplicate (overwrite)
    const old = tree.get(offset);
    if (old !== undefined) {
      this.freeEntry(tree, old);
      s.duplicate_entry++;
    }
    tree.set(offset, entry);
    s.stored_pages++;
    if (entry.length === 0) s.same_filled_pages++;
    s.pool_total_size = this.pool.totalSize;
    return 0;
  }

  /** The shrink work queued by a store that hit the limit (reject-shrink). */
  runQueuedShrink(): void {
    if (!this.shrinkQueued) return;
    this.shrinkQueued = false;
    if (this.pool.reclaimPage(8) !== 0) this.stats.reject_reclaim_fail++;
    this.samplePeaks();
  }

  load(type: number, offset: number, dst: Uint8Array): number {
    const entry = this.trees[type].get(offset);
    if (entry === undefined) return -1;
    this.decompressEntry(entry, dst, true);
    return 0;
  }

  /** The compressed block of an entry (a view into the pool), or null for none or a same-filled one. */
  storedBlock(type: number, offset: number): Uint8Array | null {
    const entry = this.trees[type].get(offset);
    if (entry === undefined || entry.length === 0) return null;
    return this.pool.map(entry.handle + ZSWAP_HEADER, entry.length);
  }

  /** Reads an entry without counting anything (the final check of SPEC §9). */
  peek(type: number, offset: number, dst: Uint8Array): boolean {
    const entry = this.trees[type].get(offset);
    if (entry === undefined) return false;
    this.decompressEntry(entry, dst, false);
    return true;
  }

  invalidatePage(type: number, offset: number): void {
    const tree = this.trees[type];
    const entry = tree.get(offset);
    if (entry === undefined) return;
    this.freeEntry(tree, entry);
    this.samplePeaks();
  }

  invalidateArea(type: number): void {
    const tree = this.trees[type];
    for (const entry of tree.values()) this.freeEntry(tree, entry);
  }

  // ---- writeback --------------------------------------------------------

  /** zswap_writeback_entry: zbud's evict callback. */
  private writebackEntry(handle: number): number {
    const hdr = this.pool.map(handle, ZSWAP_HEADER);
    const type = hdr[0] | (hdr[1] << 8) | (hdr[2] << 16) | (hdr[3] << 24);
    const offset = (hdr[4] | (hdr[5] << 8) | (hdr[6] << 16) | (hdr[7] << 24)) >>> 0;
    const tree = this.trees[type];
    const entry = tree.get(offset);
    if (entry === undefined || entry.handle !== handle) return 0; // already invalidated
    const state = this.host.slotState(type, offset);
    if (state === 0) return ENOMEM; // the slot was freed: nothing to write back to
    if (state & SWAP_HAS_CACHE) return EEXIST; // the page is in the swap cache
    this.decompressEntry(entry, this.scratch, true);
    this.host.writeToDevice(type, offset, this.scratch);
    this.stats.written_back_pages++;
    this.freeEntry(tree, entry);
    this.samplePeaks();
    return 0;
  }

  // ---- helpers ----------------------------------------------------------

  private decompressEntry(entry: ZswapEntry, dst: Uint8Array, timed: boolean): void {
    if (entry.length === 0) {
      fillWord(dst, entry.fillLo, entry.fillHi);
      return;
    }
    this.decompressBlock(this.pool.map(entry.handle + ZSWAP_HEADER, entry.length), dst, timed);
  }

  /** Decompresses a stored block (see storedBlock); timed for loads and writebacks only. */
  decompressBlock(block: Uint8Array, dst: Uint8Array, timed = false): void {
    const t0 = performance.now();
    try {
      this.codec.decompress(block, dst);
    } catch (e) {
      throw new CompressorError(`compressor ${this.codec.name} failed to decompress a ${block.length}-byte block: ${errorMessage(e)}`);
    }
    if (timed) this.compression.decompressNs.add((performance.now() - t0) * 1e6);
  }

  private freeEntry(tree: Map<number, ZswapEntry>, entry: ZswapEntry): void {
    tree.delete(entry.offset);
    this.stats.stored_pages--;
    if (entry.length === 0) this.stats.same_filled_pages--;
    else this.pool.free(entry.handle);
    this.stats.pool_total_size = this.pool.totalSize;
  }

  private samplePeaks(): void {
    const s = this.stats;
    s.pool_total_size = this.pool.totalSize;
    if (s.pool_total_size > s.pool_total_size_peak) s.pool_total_size_peak = s.pool_total_size;
    if (s.stored_pages > s.stored_pages_peak) s.stored_pages_peak = s.stored_pages;
  }

  /** Sum of dlen + 8 over the zbud objects held. */
  bytesStored(): number {
    let sum = 0;
    for (const tree of this.trees) {
      if (tree) for (const e of tree.values()) if (e.length > 0) sum += e.length + ZSWAP_HEADER;
    }
    return sum;
  }

  entryCount(): number {
    return this.trees.reduce((s, t) => s + (t ? t.size : 0), 0);
  }
}

function writeHeader(obj: Uint8Array, type: number, offset: number): void {
  obj[0] = type & 0xff;
  obj[1] = (type >>> 8) & 0xff;
  obj[2] = (type >>> 16) & 0xff;
  obj[3] = (type >>> 24) & 0xff;
  obj[4] = offset & 0xff;
  obj[5] = (offset >>> 8) & 0xff;
  obj[6] = (offset >>> 16) & 0xff;
  obj[7] = (offset >>> 24) & 0xff;
}
