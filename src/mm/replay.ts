/*
 * The simulated machine and the replay of trace records (SPEC §3, §9).
 *
 * This is the part of the kernel between a memory access and the swap path:
 * do_anonymous_page, do_swap_page (mm/memory.c), shrink_page_list,
 * madvise(MADV_PAGEOUT) and swap_writepage (mm/vmscan.c, mm/page_io.c), the
 * swap cache and the zeromap. It owns the pages, one LRU over all address
 * spaces, the frame count and the devices' contents, and wires the slot
 * allocator (swapfile.ts), frontswap (≤ 6.1) and its backend — zswap, or
 * one of the tmem family (tmem.ts: Xen tmem, zcache, ramster) — zram
 * devices, and the page cache of file pages with cleancache (pagecache.ts)
 * together. Trace time (SPEC §13.7) moves one record at a time: the
 * self-shrink tick (selfshrink.ts) and the backend's own work (ramster's
 * remotify pass) run after the record that reaches their time.
 *
 * Page contents are references (src/mm/content.ts): a page holds the
 * Content its frame has, and the Content the trace last gave it (they
 * differ only after a corrupt load); a device slot holds the Content that
 * was written to it. Frames are counted, not filled.
 *
 * Invariants (checked after every record with --check-invariants):
 *   - resident pages + cached file pages + pool pages (when the pool is in
 *     RAM) ≤ RAM frames, except after a zsmalloc store that took its zspage
 *     from the reserves; the LRU holds exactly the resident and file pages;
 *   - a page holds at most one slot, and the slot's swap_map says how:
 *     0x40 resident in the swap cache, 0x01 swapped out;
 *   - every set frontswap bit has a backend entry or a device copy;
 *   - zswap's gauges match its trees, and the pool's lists its pages.
 *
 * Every load at a major fault is verified (src/mm/verify.ts): what the
 * model loaded against the trace's content at once, and every real
 * decompression through the verifier. Every still-swapped page is checked
 * when the trace ends. A mismatch is recorded and the run goes on.
 *
 * Reclaim takes its victims from the LRU tail in batches. A driver that
 * compresses in a worker pool asks `storeCandidates()` which pages near the
 * tail will be compressed, compresses them ahead, and hands the blocks back
 * with `supplyCompressed()`, tagged with the Content they were made from;
 * an eviction uses a block only if the page still holds that Content. Any
 * page without one is compressed in-process on demand, so results are
 * identical whatever was predicted.
 */
import type { Codec, CompressedPage } from '../compress/codec.js';
import { createCodec } from '../compress/registry.js';
import { DuplicateStoreBug, InternalError, OutOfResourcesError } from '../errors.js';
import type { TraceRecord } from '../trace/format.js';
import { ZERO_CONTENT, type Content } from './content.js';
import { Frontswap, type FrontswapDupMode, type FrontswapKnobs, type FrontswapOps } from './frontswap.js';
import { Link, List } from './list.js';
import type { ZpoolName } from './pools/zpool.js';
import { PROFILES, headerLength, type KernelProfile, type Profile } from './profiles.js';
import { SparseBytes } from './sparse.js';
import { SWAP_HAS_CACHE, SwapSpace, type SwapHost } from './swapfile.js';
import { InProcessVerifier, type DecompressCheck, type LoadSite, type LoadSource, type LoadWhen, type Verifier } from './verify.js';
import { ZramDevice, type ZramConfig } from './zram.js';
import { Cleancache } from './cleancache.js';
import { FilePage, PageCache, type PageCacheHost } from './pagecache.js';
import { Ramster } from './ramster.js';
import { Selfshrink } from './selfshrink.js';
import type { TmemBackend, TmemConfig, TmemHost } from './tmem.js';
import { XenTmem } from './xen-tmem.js';
import { Zcache } from './zcache.js';
import type { BackendLoaded } from './frontswap.js';
import type { CompressionStats } from './compression.js';
import { Zswap, type DuplicatePolicy, type LimitPolicy, type ZswapHost } from './zswap.js';

export type SwapcacheWrite = 'free' | 'keep';

export interface MachineConfig {
  ramPages: number;
  /** Slots per device, the header slot included. */
  swapSlots: number[];
  swapPrio: number[];
  kernel: KernelProfile;
  zpool: ZpoolName;
  max_pool_percent: number;
  accept_threshold_percent: number;
  limitPolicy: LimitPolicy;
  same_filled_pages: boolean;
  duplicate: DuplicatePolicy;
  /** null where the profile has no frontswap. */
  frontswapDup: FrontswapDupMode | null;
  zeromap: boolean;
  exclusiveLoads: boolean;
  shrinkWorkerPace: number | 'sync';
  swapcacheWrite: SwapcacheWrite;
  reclaimBatch: number;
  poolInRam: boolean;
  checkInvariants: boolean;
  /** zswap on; off: disabled (a frontswap-era kernel still registers it and counts failed stores). */
  zswapEnabled: boolean;
  /** No frontswap backend registered at all (the no-zswap baseline of `compare`). */
  noBackend?: boolean;
  /** Per swap type: a zram device's configuration, or null for a disk. */
  zram?: (ZramConfig | null)[];
  /** The frontswap backend when not zswap, and trace time (SPEC §13); absent: zswap. */
  tmem?: TmemConfig;
  /** frontswap's writethrough and exclusive-gets knobs (3.11, 5.10); null or absent: off. */
  frontswapKnobs?: FrontswapKnobs | null;
  /** Name of the trace, for messages. */
  traceName: string;
}

export interface VmStats {
  accesses: number;
  major_faults: number;
  evictions: number;
  zero_page_reads: number;
  free_absent: number;
  pageouts: number;
  pageout_no_swap: number;
  pageout_skipped: number;
}

export interface SwapIoStats {
  swapouts: number;
  swapins: number;
  pswpout: number;
  pswpin: number;
  swpout_zero: number;
  swpin_zero: number;
}

export interface VerifyStats {
  loads_checked: number;
  final_checked: number;
  corrupt_loads: number;
  stale_zswap_entries: number;
  /** File pages read from cleancache or the disk, checked (SPEC §13.6). */
  file_loads_checked: number;
}

export type CorruptLoad = Omit<LoadSite, 'seq'>;

/** Page states (§3); a freed page object is ABSENT and forgotten. */
const ABSENT = 0;
const RESIDENT = 1;
const SWAPPED = 2;
/** Corrupt loads kept for the report; all are counted. */
const MAX_CORRUPT_REPORTED = 100;
const HISTORY_DEPTH = 12;

/** What happened to a slot, for the history a `--duplicate bug` report prints. */
const enum SlotEvent {
  rewrittenKept,
  swapinZswap,
  swapinDevice,
  storeOk,
  storeFailed,
  allocated,
  reclaimedClean,
  freed,
  writeback,
}

/** The history's (line, event, arg, page) tuples as text, oldest first. */
function formatHistory(h: readonly (number | Page | null)[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < h.length; i += 4) {
    const [line, event, arg, page] = [h[i] as number, h[i + 1] as SlotEvent, h[i + 2] as number, h[i + 3] as Page | null];
    const text = [
      'rewritten in the swap cache, slot kept (dirty)',
      'swapin from zswap',
      'swapin from device',
      'store ok',
      `store failed (${arg})`,
      `allocated to AS ${page?.as} VPN 0x${page?.vpn.toString(16)}`,
      'reclaimed from a clean swap-cache page (vm_swap_full)',
      'freed',
      'zswap writeback to device',
    ][event];
    out.push(`line ${line}: ${text}`);
  }
  return out;
}

/** What the one LRU holds: anonymous pages and cached file pages (SPEC §13.8, §3.1). */
export type LruEntry = Page | FilePage;

export class Page {
  readonly file = false;
  state = RESIDENT;
  dirty = true;
  /** In the swap cache but no longer mapped: a zram write failed (SPEC §12.6); the PTE still holds the swap entry. */
  unmapped = false;
  /** Swap slot, or type −1. */
  type = -1;
  offset = 0;
  /**
   * A block being compressed ahead (compressed null) or compressed ahead
   * for this page's content (src/sim/simulate.ts); stale once the page
   * holds other content.
   */
  ahead: { content: Content; compressed: CompressedPage | null } | null = null;
  readonly lru = new Link<LruEntry>(this);
  constructor(
    readonly as: number,
    readonly vpn: number,
    /** What the frame holds (or held when the page was swapped out). */
    public content: Content,
    /** What the trace last wrote: the truth loads are checked against. */
    public expected: Content,
  ) {}
}

/** A load as the model resolves it: the content returned, where from, and the block to really decompress. */
interface Resolved {
  content: Content;
  source: LoadSource;
  block: Uint8Array | null;
  /** The page must be dirtied (an exclusive load). */
  exclusive: boolean;
}

export class Machine implements SwapHost, ZswapHost, Verifier {
  readonly vm: VmStats = {
    accesses: 0,
    major_faults: 0,
    evictions: 0,
    zero_page_reads: 0,
    free_absent: 0,
    pageouts: 0,
    pageout_no_swap: 0,
    pageout_skipped: 0,
  };
  readonly io: SwapIoStats = { swapouts: 0, swapins: 0, pswpout: 0, pswpin: 0, swpout_zero: 0, swpin_zero: 0 };
  readonly verify: VerifyStats = { loads_checked: 0, final_checked: 0, corrupt_loads: 0, stale_zswap_entries: 0, file_loads_checked: 0 };
  private readonly corruptSites: LoadSite[] = [];

  readonly profile: Profile;
  readonly swap: SwapSpace;
  /** The frontswap layer (≤ 6.1), or null where the swap path calls zswap itself. */
  readonly frontswap: Frontswap | null;
  readonly zswap: Zswap;
  readonly lru = new List<LruEntry>();
  private readonly spaces = new Map<number, Map<number, Page>>();
  /** Slot → page owning it, per device. */
  private readonly owners: Map<number, Page>[];
  /** Slot → content written to the device, per device. */
  private readonly deviceCopy: Map<number, Content>[];
  /** si->zeromap (6.12+). */
  private readonly zeromaps: SparseBytes[];
  /** The zram device behind each swap type, or null for a disk. */
  readonly zrams: (ZramDevice | null)[];
  /** frontswap's backend when it is not zswap (SPEC §13): Xen tmem, zcache or ramster. */
  readonly backend: TmemBackend | null;
  /** File pages (the M U R W T L I C records) and the cleancache frontend. */
  readonly pageCache: PageCache;
  readonly selfshrink: Selfshrink | null;
  /** Trace time (SPEC §13.7): records other than `d` replayed. */
  recordsDone = 0;
  /** The most pages frontswap's tmem backend held (its pool.pages_peak). */
  backendPoolPeak = 0;
  /** Pages the trace's processes hold (in RAM or swapped), and the most they held: the working set. */
  pagesHeld = 0;
  pagesHeldPeak = 0;
  /** Consecutive reclaim attempts that freed nothing (failed zram writes). */
  private failedEvictions = 0;
  resident = 0;
  /** Trace line of the record being replayed. */
  line = 0;
  private loadSeq = 0;
  private verifier: Verifier;

  /** Recent events per slot (--duplicate bug only): flat (line, event, arg, page) tuples, formatted only for a report. */
  private readonly history: Map<number, (number | Page | null)[]> | null;

  constructor(
    readonly config: MachineConfig,
    readonly codec: Codec,
    /** Codecs by name, for zram devices' algorithms. */
    codecFor: (name: string) => Codec = createCodec,
  ) {
    this.profile = PROFILES[config.kernel];
    const p = this.profile;
    this.verifier = new InProcessVerifier((site) => this.recordCorrupt(site));
    this.swap = new SwapSpace(config.swapSlots, config.swapPrio);
    this.swap.attach(this);
    this.zswap = new Zswap(
      {
        era: p.frontswap ? 'frontswap' : 'direct',
        totalramPages: config.ramPages,
        max_pool_percent: config.max_pool_percent,
        accept_threshold_percent: config.accept_threshold_percent,
        same_filled_pages_enabled: config.same_filled_pages,
        limitPolicy: config.limitPolicy,
        duplicate: config.duplicate,
        exclusiveLoads: config.exclusiveLoads,
        cachedTotalSize: p.cachedTotalSize,
        incompressible: p.incompressible,
        zpool: config.zpool,
        hlen: headerLength(p, config.zpool),
        chain: p.chain ?? 4,
        poolLru: p.poolLru,
        z3foldRelist: p.z3foldRelist,
        shrinkWorkerPace: config.shrinkWorkerPace,
      },
      codec,
      this,
      this,
    );
    this.backend = this.makeBackend(codec);
    this.frontswap = p.frontswap ? new Frontswap(this.frontswapBackend(), config.frontswapDup ?? 'invalidate-first', config.frontswapKnobs ?? undefined) : null;
    this.pageCache = new PageCache(this.pageCacheHost(), new Cleancache(this.backend?.cleancache ?? null));
    const shrink = config.tmem?.selfshrink ?? null;
    this.selfshrink = shrink === null ? null : new Selfshrink(shrink, config.tmem!.recordsPerSecond);
    this.owners = config.swapSlots.map(() => new Map());
    this.deviceCopy = config.swapSlots.map(() => new Map());
    this.zeromaps = config.swapSlots.map((n) => new SparseBytes(n));
    this.zrams = config.swapSlots.map((_, type) => {
      const z = config.zram?.[type] ?? null;
      return z === null ? null : new ZramDevice(type, z, codecFor(z.algorithm), p.chain ?? 8, config.kernel === '6.1' ? 2 : 1);
    });
    config.swapSlots.forEach((n, type) => {
      if (this.frontswap !== null) this.frontswap.init(type, n);
      else this.zswap.init(type);
    });
    this.history = config.duplicate === 'bug' ? new Map() : null;
  }

  /**
   * What frontswap calls: zswap; a disabled zswap, which frontswap still has
   * registered in 5.10 and 6.1 (every store fails, counted by frontswap
   * only); or nothing (3.11 registers no backend when zswap is off, and the
   * baseline of `compare` has none).
   */
  private frontswapBackend(): FrontswapOps | null {
    const c = this.config;
    if (this.backend !== null) return this.backend;
    if (c.zswapEnabled) return this.zswap;
    if (c.noBackend || c.kernel === '3.11') return null;
    return {
      init: () => {},
      store: () => -19, // -ENODEV
      load: () => null,
      invalidatePage: () => {},
      invalidateArea: () => {},
    };
  }

  /** --backend xen-tmem, zcache or ramster (3.11 only), or null for zswap. */
  private makeBackend(codec: Codec): TmemBackend | null {
    const t = this.config.tmem;
    if (t === undefined || t.backend === 'zswap') return null;
    const machine = this;
    const host: TmemHost = {
      frameFree: () => this.frameFree(),
      get recordsDone() {
        return machine.recordsDone;
      },
    };
    const exclusive = this.config.frontswapKnobs?.exclusiveGets ?? false;
    switch (t.backend) {
      case 'xen-tmem':
        return new XenTmem(t.xen!, this.config.ramPages);
      case 'zcache':
        return new Zcache(t.zcacheGen ?? 2, codec, host, this.config.ramPages, exclusive);
      case 'ramster':
        return new Ramster(t.ramster!, codec, host, this.config.ramPages, exclusive, t.recordsPerSecond);
    }
  }

  /** Where a frontswap load came from, in reports: the backend's name. */
  private get frontswapSource(): LoadSource {
    return this.backend?.name ?? 'zswap';
  }

  /** The compressions and decompressions of what frontswap's backend is (zswap's, or zcache's). */
  compressionStats(): CompressionStats {
    return this.backend instanceof Zcache ? this.backend.compression : this.zswap.compression;
  }

  private pageCacheHost(): PageCacheHost {
    return {
      takeFrame: () => this.takeFrame(),
      lruAddHead: (page) => this.lru.addHead(page.lru),
      lruMoveToHead: (page) => this.lru.moveToHead(page.lru),
      lruRemove: (page) => this.lru.remove(page.lru),
      checkFileLoad: (page, got, source, expected) => this.checkFileLoad(page, got, source, expected),
    };
  }

  /** Hands the real decompressions to another verifier (the worker pool's). */
  setVerifier(v: Verifier): void {
    this.verifier = v;
  }

  // ---- records ----------------------------------------------------------

  access(rec: TraceRecord): void {
    this.line = rec.line;
    switch (rec.kind) {
      case 'w': {
        this.vm.accesses++;
        const page = this.lookup(rec.as, rec.vpn);
        if (page === undefined) {
          this.takeFrame();
          const fresh = new Page(rec.as, rec.vpn, rec.content, rec.content);
          this.resident++;
          this.lru.addHead(fresh.lru);
          this.space(rec.as).set(rec.vpn, fresh);
          if (++this.pagesHeld > this.pagesHeldPeak) this.pagesHeldPeak = this.pagesHeld;
        } else {
          if (page.state === SWAPPED) this.fault(page);
          else if (page.unmapped) this.minorFault(page, true);
          this.writeResident(page, rec.content);
        }
        break;
      }
      case 'r': {
        this.vm.accesses++;
        const page = this.lookup(rec.as, rec.vpn);
        if (page === undefined) this.vm.zero_page_reads++;
        else if (page.state === SWAPPED) this.fault(page);
        else {
          if (page.unmapped) this.minorFault(page, false);
          this.lru.moveToHead(page.lru);
        }
        break;
      }
      case 'f': {
        this.vm.accesses++;
        const page = this.lookup(rec.as, rec.vpn);
        if (page === undefined) this.vm.free_absent++;
        else {
          this.freePage(page);
          this.spaces.get(rec.as)!.delete(rec.vpn);
        }
        break;
      }
      case 'x': {
        this.vm.accesses++;
        const space = this.spaces.get(rec.as);
        if (space !== undefined) {
          const vpns = [...space.keys()].sort((a, b) => a - b);
          for (const vpn of vpns) this.freePage(space.get(vpn)!);
          this.spaces.delete(rec.as);
        }
        break;
      }
      case 'o': {
        const page = this.lookup(rec.as, rec.vpn);
        if (page === undefined || page.state !== RESIDENT) this.vm.pageout_skipped++;
        else {
          this.vm.pageouts++;
          if (this.evict(page, true)) this.failedEvictions = 0;
        }
        break;
      }
      case 'd':
        return;
      default:
        // M U R W T L I C: the page cache (not accesses, SPEC §13.8)
        this.pageCache.access(rec);
    }
    this.traceTime();
    // the 6.12+ shrink worker runs beside the workload: its share of this record
    const pace = this.config.shrinkWorkerPace;
    if (this.zswap.workerRunning && pace !== 'sync') this.zswap.runWorker(pace);
    if (this.config.checkInvariants) this.checkInvariants();
  }

  /** Trace time moves on a record (§13.7): the self-shrink tick, then the backend's own work (ramster's pass). */
  private traceTime(): void {
    this.recordsDone++;
    if (this.selfshrink !== null && this.frontswap !== null && this.selfshrink.due(this.recordsDone)) {
      const target = this.selfshrink.tick(this.frontswap.currPages());
      if (target !== null) this.frontswapShrink(target);
    }
    if (this.backend !== null) {
      this.backend.afterRecord();
      this.backendPoolPeak = Math.max(this.backendPoolPeak, this.backend.poolPages());
    }
  }

  /**
   * frontswap_shrink (SPEC §13.5 rules 2–3): a partial swapoff of the first
   * swap type in swap-list order, bit-set offsets ascending, `need` pages or
   * (need ≥ its bits) all of them.
   */
  private frontswapShrink(target: number): void {
    const fs = this.frontswap!;
    const curr = fs.currPages();
    if (curr <= target) return;
    const type = this.swap.listOrder()[0];
    const need = curr - target;
    let n = need < fs.pagesOfType(type) ? need : 0;
    this.selfshrink!.stats.shrinks++;
    for (const offset of [...fs.setBits(type)]) {
      const page = this.owners[type].get(offset);
      if (page === undefined) continue;
      if (page.state === SWAPPED) {
        if (!this.hasFreeFrame()) {
          this.selfshrink!.stats.no_frame++;
          return;
        }
        // read as a fault reads (backend, a miss from the device), verified; no major fault
        this.swap.addCache(type, offset);
        this.swapIn(page, this.loadSlot(type, offset), 'selfshrink');
        this.swap.entryFree(type, offset, 1); // unuse_pte: the PTE maps the page
      }
      page.dirty = true;
      this.releaseSlot(page, SWAP_HAS_CACHE); // delete_from_swap_cache: the slot is freed (its bit invalidated)
      this.selfshrink!.stats.pages++;
      if (n > 0 && --n === 0) return;
    }
  }

  private lookup(as: number, vpn: number): Page | undefined {
    return this.spaces.get(as)?.get(vpn);
  }

  private space(as: number): Map<number, Page> {
    let s = this.spaces.get(as);
    if (s === undefined) {
      s = new Map();
      this.spaces.set(as, s);
    }
    return s;
  }

  /** §3 step 2: new content for a resident page. */
  private writeResident(page: Page, content: Content): void {
    page.content = content;
    page.expected = content;
    page.ahead = null; // a block compressed ahead is stale now
    page.dirty = true;
    this.lru.moveToHead(page.lru);
    if (page.type < 0) return;
    if (this.config.swapcacheWrite === 'free') this.deleteFromSwapCache(page);
    else this.noteHistory(page.type, page.offset, SlotEvent.rewrittenKept);
  }

  /** §3 step 3: a major fault on a swapped page. */
  private fault(page: Page): void {
    this.takeFrame();
    this.vm.major_faults++;
    this.io.swapins++;
    const { type, offset } = page;
    if (this.zrams[type] !== null) {
      this.faultSynchronous(page);
      return;
    }
    this.swap.addCache(type, offset);
    const got = this.loadSlot(type, offset);
    this.noteHistory(type, offset, got.source === 'device' ? SlotEvent.swapinDevice : SlotEvent.swapinZswap);
    this.swapIn(page, got, 'fault');
    page.dirty = got.exclusive;
    this.swap.entryFree(type, offset, 1); // swap_free: the PTE now maps the page
    if (this.swap.vmSwapFull()) this.deleteFromSwapCache(page); // try_to_free_swap
  }

  /** A swapped page read back into a frame: the load verified, the page resident at the MRU end. */
  private swapIn(page: Page, got: Resolved, when: LoadWhen): void {
    this.verify.loads_checked++;
    this.checkLoad(page, got, when);
    page.content = got.content;
    page.state = RESIDENT;
    this.resident++;
    this.lru.addHead(page.lru);
  }

  /**
   * do_swap_page on a SWP_SYNCHRONOUS_IO device (zram) with a swap count of
   * 1: read without the swap cache, then free the slot at once (SPEC §12.6).
   * zswap's entry is not freed by the load (the folio is not in the swap
   * cache) but goes with the slot.
   */
  private faultSynchronous(page: Page): void {
    // zswap_load does not free the entry: the folio is not in the swap cache
    this.swapIn(page, this.loadSlot(page.type, page.offset, false), 'fault');
    this.releaseSlot(page, 1); // swap_free_nr: the slot goes at once
    page.dirty = true;
  }

  /**
   * The next access to a page whose zram write failed: a minor fault through
   * the swap cache maps it again (no load). A read frees the slot only when
   * swap is more than half full; a write goes on to §3 step 2.
   */
  private minorFault(page: Page, write: boolean): void {
    page.unmapped = false;
    this.swap.entryFree(page.type, page.offset, 1); // the PTE maps the page again
    if (!write && this.swap.vmSwapFull()) this.deleteFromSwapCache(page);
  }

  /** swap_readpage: what the slot gives, counting as a fault's load does; `exclusiveLoads`: a 6.12+ zswap load frees its entry. */
  private loadSlot(type: number, offset: number, exclusiveLoads = this.config.exclusiveLoads): Resolved {
    if (this.frontswap !== null) {
      const got = this.frontswap.load(type, offset);
      if (got !== null) return { content: got.content, source: this.frontswapSource, block: got.block, exclusive: got.exclusive };
    } else {
      if (this.zeromaps[type].get(offset) !== 0) {
        this.io.swpin_zero++;
        return { content: ZERO_CONTENT, source: 'zeromap', block: null, exclusive: false };
      }
      if (this.config.zswapEnabled) {
        const got = this.zswap.loadDirect(type, offset, exclusiveLoads);
        if (got !== null) return { content: got.content, source: 'zswap', block: got.block, exclusive: got.freed };
      }
    }
    this.io.pswpin++;
    return this.readDevice(type, offset, true);
  }

  /** f, x: the page goes away with its frame and its slot. */
  private freePage(page: Page): void {
    this.pagesHeld--;
    page.ahead = null;
    if (page.state === RESIDENT) {
      this.lru.remove(page.lru);
      this.resident--;
      if (page.unmapped) {
        page.unmapped = false;
        this.swap.entryFree(page.type, page.offset, 1);
      }
      if (page.type >= 0) this.releaseSlot(page, SWAP_HAS_CACHE);
    } else {
      this.releaseSlot(page, 1);
    }
    page.state = ABSENT; // a block compressed ahead for it may still arrive: supplyCompressed ignores it
  }

  /** delete_from_swap_cache + SetPageDirty: the page keeps its frame, loses its slot. */
  private deleteFromSwapCache(page: Page): void {
    page.dirty = true;
    this.releaseSlot(page, SWAP_HAS_CACHE);
  }

  private releaseSlot(page: Page, usage: number): void {
    const { type, offset } = page;
    page.type = -1;
    this.owners[type].delete(offset);
    this.swap.entryFree(type, offset, usage);
  }

  // ---- frames and reclaim -------------------------------------------------

  /** Frames held by compressed pools — zswap's and every zram device's (with --pool-in-ram on). */
  poolFrames(): number {
    if (!this.config.poolInRam) return 0;
    let frames = this.zswap.pool.pages + (this.backend?.guestFrames() ?? 0);
    for (const z of this.zrams) if (z !== null) frames += z.pool.pages;
    return frames;
  }

  private hasFreeFrame(): boolean {
    return this.resident + this.pageCache.cached + this.poolFrames() < this.config.ramPages;
  }

  /** §3.1: make sure a frame is free, reclaiming batch after batch. */
  private takeFrame(): void {
    while (!this.hasFreeFrame()) {
      if (this.resident + this.pageCache.cached === 0) {
        throw new OutOfResourcesError(
          `out of memory at ${this.config.traceName}:${this.line}: no free frame among ${this.config.ramPages} RAM pages — ` +
            `the compressed pools hold ${this.poolFrames()} and no resident page is left to evict`,
        );
      }
      if (this.failedEvictions > 0 && this.failedEvictions >= this.resident) {
        throw new OutOfResourcesError(
          `out of memory at ${this.config.traceName}:${this.line}: no free frame among ${this.config.ramPages} RAM pages — ` +
            `the last ${this.failedEvictions} evictions all failed: every page left in RAM is refused by full zram devices (--zram-mem-limit)`,
        );
      }
      this.reclaimBatch();
    }
  }

  /** Would this record need a frame that is not free (so reclaim runs first)? */
  willReclaim(rec: TraceRecord): boolean {
    if (rec.kind === 'o') {
      const page = this.lookup(rec.as, rec.vpn);
      return page !== undefined && page.state === RESIDENT;
    }
    if (this.hasFreeFrame() || (rec.kind !== 'w' && rec.kind !== 'r')) return false;
    const page = this.lookup(rec.as, rec.vpn);
    return page === undefined ? rec.kind === 'w' : page.state === SWAPPED;
  }

  /**
   * The codec a swap-out compresses with, named as the registry knows it,
   * when a driver can compress ahead: zswap's when zswap is on; with zswap
   * off, the zram devices' (when they share one algorithm — each swap-out
   * then goes to zram unless a disk takes its slot). Null when swap-outs
   * compress nothing, or with several algorithms.
   */
  aheadCodec(): string | null {
    if (this.config.zswapEnabled) return this.codec.name;
    const algorithms = new Set(this.zrams.flatMap((z) => (z === null ? [] : [z.config.algorithm])));
    return algorithms.size === 1 ? [...algorithms][0] : null;
  }

  /**
   * Is the next reclaim likely to compress? zswap may be refusing stores at
   * its limit; with zswap off, zram compresses while a zram device has a free
   * slot (the disk behind a full one takes the pages as they are).
   */
  likelyToCompress(): boolean {
    return this.config.zswapEnabled ? this.zswap.likelyToCompress() : this.zramSlotsFree() > 0;
  }

  /** Will an eviction of this page compress it (with aheadCodec())? */
  private willCompress(p: Page): boolean {
    if (!p.dirty && p.type >= 0) return false;
    // zswap off: zram stores same-filled pages as their word (and 6.12+'s zeromap takes zero pages first)
    if (!this.config.zswapEnabled) return !p.content.sameFilled;
    if (this.frontswap !== null) return !(this.config.same_filled_pages && p.content.sameFilled);
    return !(this.config.zeromap && p.content.zero);
  }

  /**
   * Pages near the LRU tail that eviction will compress (in zswap, or in
   * zram with zswap off), in eviction order: of the `count` pages after the first
   * `skip`, those with no block compressed or requested ahead for their
   * current content.
   */
  storeCandidates(skip: number, count: number): Page[] {
    const out: Page[] = [];
    // with zswap off only the pages that find a free zram slot are compressed; the disk behind takes the rest
    let zramSlots = this.config.zswapEnabled ? Infinity : this.zramSlotsFree();
    let i = 0;
    this.lru.walkFromTail((p) => {
      if (i++ >= skip + count || zramSlots <= 0) return false;
      if (p.file || !this.willCompress(p)) return true;
      zramSlots--;
      if (i > skip && p.ahead?.content !== p.content) out.push(p);
      return true;
    });
    return out;
  }

  private zramSlotsFree(): number {
    let free = 0;
    this.zrams.forEach((z, type) => {
      if (z !== null) free += this.swap.devices[type].pages - this.swap.devices[type].inusePages;
    });
    return free;
  }

  /** A block for the page's current content is being made (storeCandidates leaves it out); that content. */
  requestAhead(page: Page): Content {
    page.ahead = { content: page.content, compressed: null };
    return page.content;
  }

  /** The next `count` pages reclaim will take, oldest first (the LRU tail). */
  nextVictims(count: number): Page[] {
    const out: Page[] = [];
    let seen = 0;
    this.lru.walkFromTail((p) => {
      if (!p.file) out.push(p);
      return ++seen < count;
    });
    return out;
  }

  /** A block compressed ahead from `content`; ignored if the page holds other content now, or left. */
  supplyCompressed(page: Page, content: Content, compressed: CompressedPage): void {
    if (page.state === RESIDENT && page.content === content) page.ahead = { content, compressed };
  }

  private reclaimBatch(): void {
    const n = Math.min(this.config.reclaimBatch, this.resident + this.pageCache.cached);
    for (let i = 0; i < n; i++) {
      const victim = this.lru.tail()!;
      this.vm.evictions++;
      if (victim.file) {
        this.pageCache.evict(victim);
        this.failedEvictions = 0;
      } else if (this.evict(victim, false)) this.failedEvictions = 0;
      else this.failedEvictions++;
    }
    this.backend?.afterReclaim(this.pageCache.cached);
  }

  /**
   * shrink_page_list for one page (reclaim) or MADV_PAGEOUT of it (`o`):
   * a clean page with a slot is dropped; any other gets a slot and is
   * written to it (swap_writepage). False when the page stays in RAM (no
   * slot for a page-out, or a zram write refused by its memory limit).
   */
  private evict(page: Page, pageout: boolean): boolean {
    if (page.dirty || page.type < 0) {
      if (page.type < 0 && !this.allocateSlot(page, pageout)) {
        // MADV_PAGEOUT with no free slot: add_to_swap failed, the folio goes back
        this.vm.pageout_no_swap++;
        this.lru.moveToHead(page.lru);
        return false;
      }
    }
    const ahead = page.ahead;
    page.ahead = null;
    this.lru.remove(page.lru);
    this.resident--;
    page.state = SWAPPED;
    const { type, offset } = page;
    if (!page.unmapped) this.swap.duplicate(type, offset); // try_to_unmap: the PTE now holds the entry
    page.unmapped = false;
    if (!page.dirty) {
      // A clean swap-cache page: its copy at the slot is still valid.
      this.swap.entryFree(type, offset, SWAP_HAS_CACHE);
      return true;
    }
    if (!this.swapWritepage(page, ahead?.content === page.content ? ahead.compressed : null)) {
      // a failed zram write: redirtied, kept in the swap cache unmapped, back at the MRU end
      page.state = RESIDENT;
      page.unmapped = true;
      this.resident++;
      this.lru.addHead(page.lru);
      return false;
    }
    page.dirty = false;
    this.swap.entryFree(type, offset, SWAP_HAS_CACHE); // the page leaves the swap cache
    return true;
  }

  /** swap_writepage (6.18 swap_writeout) of an unmapped page in the swap cache; false when its write failed. */
  private swapWritepage(page: Page, compressed: CompressedPage | null): boolean {
    const { type, offset } = page;
    const content = page.content;
    // a block compressed ahead was made with aheadCodec(): zswap's when zswap is on, else zram's
    const forZswap = this.config.zswapEnabled ? compressed : null;
    const forZram = this.config.zswapEnabled ? null : compressed;
    if (this.frontswap !== null) {
      this.zswap.prepared = forZswap;
      const ret = this.frontswap.store(type, offset, content);
      this.zswap.prepared = null;
      this.noteHistory(type, offset, ret === 0 ? SlotEvent.storeOk : SlotEvent.storeFailed, ret);
      this.zswap.runQueuedShrink();
      if (ret !== 0 && !this.writeSlot(type, offset, content, forZram)) return false;
      this.io.swapouts++;
      return true;
    }
    const zeromap = this.zeromaps[type];
    if (this.config.zeromap && content.zero) {
      zeromap.set(offset, 1);
      this.io.swpout_zero++;
      this.io.swapouts++;
      if (this.zswap.hasEntry(type, offset)) this.verify.stale_zswap_entries++;
      return true;
    }
    zeromap.set(offset, 0);
    if (this.config.zswapEnabled) {
      this.zswap.prepared = forZswap;
      const ok = this.zswap.storeDirect(type, offset, content);
      this.zswap.prepared = null;
      this.noteHistory(type, offset, ok ? SlotEvent.storeOk : SlotEvent.storeFailed, ok ? 0 : -1);
      if (ok) {
        this.io.swapouts++;
        return true;
      }
    }
    if (!this.writeSlot(type, offset, content, forZram)) return false;
    this.io.swapouts++;
    return true;
  }

  /** Gives a page a slot; false when none is free (reclaim: out of swap, status 4; page-out: the caller backs off). */
  private allocateSlot(page: Page, pageout: boolean): boolean {
    const type = this.swap.getSwapPage();
    if (type < 0) {
      if (pageout) return false;
      const c = this.config;
      throw new OutOfResourcesError(
        `out of swap at ${c.traceName}:${this.line}: no free slot among ${this.swap.totalSwapPages} ` +
          `(swap ${c.swapSlots.map((n) => `${n}p`).join(',')}, RAM ${c.ramPages}p) to evict AS ${page.as} VPN 0x${page.vpn.toString(16)}`,
      );
    }
    page.type = type;
    page.offset = this.swap.allocated;
    this.owners[type].set(page.offset, page);
    this.noteHistory(type, page.offset, SlotEvent.allocated, 0, page);
    return true;
  }

  // ---- hosts: swapfile, zswap ---------------------------------------------

  tryToReclaimSwap(type: number, offset: number): boolean {
    const page = this.owners[type].get(offset);
    // try_to_free_swap: only a clean page that is not under writeback (SPEC §4)
    if (page === undefined || page.state !== RESIDENT || page.dirty) return false;
    this.noteHistory(type, offset, SlotEvent.reclaimedClean);
    this.deleteFromSwapCache(page);
    return true;
  }

  slotFreed(type: number, offset: number): void {
    if (this.frontswap !== null) this.frontswap.invalidatePage(type, offset);
    else {
      this.zeromaps[type].set(offset, 0);
      this.zswap.invalidatePage(type, offset);
    }
    this.deviceCopy[type].delete(offset);
    this.zrams[type]?.slotFreeNotify(offset);
    this.noteHistory(type, offset, SlotEvent.freed);
  }

  slotState(type: number, offset: number): number {
    return this.swap.mapOf(type, offset);
  }

  writeBack(type: number, offset: number, content: Content): void {
    this.noteHistory(type, offset, SlotEvent.writeback);
    if (this.writeSlot(type, offset, content)) return;
    // a zram write refused on mem_limit: the data stays in a swap-cache page (SPEC §12.8)
    const page = this.owners[type].get(offset);
    if (page === undefined || page.state !== SWAPPED) {
      throw new InternalError(`zswap wrote back slot ${type}:${offset}, which no swapped page holds, at line ${this.line}`);
    }
    page.content = content;
    page.state = RESIDENT;
    page.dirty = true;
    page.unmapped = true;
    this.swap.addCache(type, offset);
    this.resident++;
    this.lru.addHead(page.lru);
  }

  writebackSite(type: number, offset: number): LoadSite {
    const owner = this.owners[type].get(offset);
    return this.site(owner?.as ?? -1, owner?.vpn ?? -1, type, offset, 'zswap', 'writeback');
  }

  duplicateBug(type: number, offset: number): never {
    const owner = this.owners[type].get(offset);
    const who = owner ? ` (held by AS ${owner.as} VPN 0x${owner.vpn.toString(16)})` : '';
    const history = formatHistory(this.history?.get(this.historyKey(type, offset)) ?? []);
    throw new DuplicateStoreBug(
      `BUG: duplicate store to swap type ${type} offset ${offset}${who} at ${this.config.traceName}:${this.line}: ` +
        `zswap already holds an entry for this slot (--duplicate bug)\n` +
        `recent history of the slot (oldest first):\n${history.map((h) => `  ${h}`).join('\n') || '  (none recorded)'}`,
    );
  }

  /** zbud and z3fold take a new page only while a frame is free (zsmalloc does not ask). */
  frameFree(): boolean {
    return !this.config.poolInRam || this.hasFreeFrame();
  }

  // ---- device -------------------------------------------------------------

  /**
   * __swap_writepage: a disk takes the page; a zram device may refuse it.
   * pswpout counts the attempt. `compressed`: the page compressed ahead with
   * the zram devices' algorithm (zswap off), for a zram device to use.
   */
  private writeSlot(type: number, offset: number, content: Content, compressed: CompressedPage | null = null): boolean {
    this.io.pswpout++;
    const zram = this.zrams[type];
    if (zram !== null) return zram.writePage(offset, content, compressed);
    this.deviceCopy[type].set(offset, content);
    return true;
  }

  /** A device read (an I/O, or the final check's look): the copy at the slot; a disk slot never written reads as zeros (SPEC §13.8). */
  private readDevice(type: number, offset: number, io: boolean): Resolved {
    if (this.zrams[type] !== null) return this.readZram(type, offset, io);
    const copy = this.deviceCopy[type].get(offset);
    return { content: copy ?? ZERO_CONTENT, source: copy === undefined ? 'device (no copy)' : 'device', block: null, exclusive: false };
  }

  /** zram_read_page: an empty index reads as zeros. */
  private readZram(type: number, offset: number, io: boolean): Resolved {
    const got = this.zrams[type]!.read(offset, io);
    return { content: got.content ?? ZERO_CONTENT, source: 'zram', block: got.block, exclusive: false };
  }

  // ---- verification (SPEC §9) ---------------------------------------------

  private site(as: number, vpn: number, type: number, offset: number, source: LoadSource, when: LoadWhen): LoadSite {
    return { seq: this.loadSeq++, as, vpn, type, offset, line: this.line, source, when };
  }

  /** Checks a load: its content against the trace's at once; a block it really decompresses through the verifier. */
  private checkLoad(page: Page, got: Resolved, when: LoadWhen): void {
    // a site is made only where it may be reported: a real decompression, or a load found wrong now
    if (got.block !== null) {
      const zram = got.source === 'zram' ? this.zrams[page.type]! : null;
      const stats = when === 'fault' ? (zram?.compression ?? this.compressionStats()) : null;
      this.check({ block: got.block, codec: zram?.codec ?? this.codec, expected: page.expected, stats, site: this.pageSite(page, got.source, when) });
    } else if (got.source === 'device (no copy)' || !got.content.equals(page.expected)) {
      this.recordCorrupt(this.pageSite(page, got.source, when));
    }
  }

  private pageSite(page: Page, source: LoadSource, when: LoadWhen): LoadSite {
    return this.site(page.as, page.vpn, page.type, page.offset, source, when);
  }

  /**
   * A file page read from cleancache or the disk (SPEC §13.6 rule 8): checked
   * against the file's current content; a backend's block really decompressed.
   */
  private checkFileLoad(page: { fs: number; ino: number; idx: number }, got: BackendLoaded | { content: Content; block: null }, source: 'cleancache' | 'disk', expected: Content): void {
    this.verify.file_loads_checked++;
    const site: LoadSite = { seq: this.loadSeq++, as: page.fs, vpn: page.ino, type: -1, offset: page.idx, line: this.line, source, when: 'fault' };
    if (got.block !== null) this.check({ block: got.block, codec: this.codec, expected, stats: this.compressionStats(), site });
    else if (!got.content.equals(expected)) this.recordCorrupt(site);
  }

  /** Verifier: the machine's checks go to the current verifier. */
  check(c: DecompressCheck): void {
    this.verifier.check(c);
  }

  /** A load whose bytes differ from what the trace wrote. */
  recordCorrupt(site: LoadSite): void {
    this.verify.corrupt_loads++;
    this.corruptSites.push(site);
  }

  /** The corrupt loads in trace order (the first 100). */
  get corrupt(): CorruptLoad[] {
    return [...this.corruptSites]
      .sort((a, b) => a.seq - b.seq)
      .slice(0, MAX_CORRUPT_REPORTED)
      .map(({ seq: _seq, ...rest }) => rest);
  }

  /**
   * The end-of-trace check of every still-swapped page: no access, no
   * counter but verify's (SPEC §9; 6.12+ reads in Load order: zeromap,
   * zswap, device).
   */
  finalCheck(): void {
    for (const space of this.spaces.values()) {
      for (const page of space.values()) {
        if (page.state !== SWAPPED) continue;
        this.verify.final_checked++;
        this.checkLoad(page, this.peekSlot(page.type, page.offset), 'final check');
      }
    }
  }

  /** What a load of the slot would return, changing nothing. */
  private peekSlot(type: number, offset: number): Resolved {
    if (this.frontswap !== null) {
      if (this.frontswap.test(type, offset)) {
        const got = this.backend !== null ? this.backend.peek(type, offset) : this.zswap.peek(type, offset);
        if (got !== null) return { content: got.content, source: this.frontswapSource, block: got.block, exclusive: false };
      }
    } else {
      if (this.zeromaps[type].get(offset) !== 0) return { content: ZERO_CONTENT, source: 'zeromap', block: null, exclusive: false };
      const got = this.zswap.peek(type, offset);
      if (got !== null) return { content: got.content, source: 'zswap', block: got.block, exclusive: false };
    }
    return this.readDevice(type, offset, false);
  }

  /**
   * Entries frontswap's backend holds for slots whose bit is clear (SPEC
   * §13.1 rule 3): copies nobody will ask for, or stale data a later
   * writeback or get may surface. Null without frontswap.
   */
  orphanedEntries(): number | null {
    const fs = this.frontswap;
    if (fs === null) return null;
    let n = 0;
    if (this.backend !== null) {
      for (const [type, offset] of this.backend.storedSlots()) if (!fs.test(type, offset)) n++;
    } else {
      this.zswap.trees.forEach((tree, type) => {
        for (const offset of tree.keys()) if (!fs.test(type, offset)) n++;
      });
    }
    return n;
  }

  /** swapoff of every device (after the report): the pool must end empty. */
  swapoffAll(): void {
    for (let type = 0; type < this.config.swapSlots.length; type++) {
      if (this.frontswap !== null) this.frontswap.invalidateArea(type);
      else {
        this.zswap.invalidateArea(type);
        this.zeromaps[type].clear();
      }
    }
    if (this.zswap.pool.pages !== 0 || this.zswap.entryCount() !== 0) {
      throw new InternalError(`after swapoff the pool still holds ${this.zswap.pool.pages} pages and ${this.zswap.entryCount()} entries`);
    }
    if (this.backend !== null) {
      const left = [...this.backend.storedSlots()].length;
      if (left !== 0) throw new InternalError(`after swapoff ${this.backend.name} still holds ${left} swap pages`);
    }
    for (const z of this.zrams) {
      if (z === null) continue;
      z.reset();
      if (z.pool.pages !== 0 || z.indexesHeld !== 0) throw new InternalError(`after swapoff zram${z.type} still holds ${z.pool.pages} pages and ${z.indexesHeld} indexes`);
    }
  }

  // ---- history (for --duplicate bug reports) -----------------------------

  private historyKey(type: number, offset: number): number {
    return type * 2 ** 32 + offset;
  }

  /** Remembers a slot event (with --duplicate bug only), as numbers: text is made only if a BUG is reported. */
  private noteHistory(type: number, offset: number, event: SlotEvent, arg = 0, page: Page | null = null): void {
    if (this.history === null) return;
    const key = this.historyKey(type, offset);
    let h = this.history.get(key);
    if (h === undefined) {
      h = [];
      this.history.set(key, h);
    }
    h.push(this.line, event, arg, page);
    if (h.length > HISTORY_DEPTH * 4) h.splice(0, 4);
  }

  // ---- invariants ---------------------------------------------------------

  checkInvariants(): void {
    const fail = (what: string): never => {
      throw new InternalError(`invariant broken after ${this.config.traceName}:${this.line}: ${what}`);
    };
    // zsmalloc may take its zspage from the reserves: the machine is then over RAM until reclaim
    if (this.resident + this.pageCache.cached + this.poolFrames() > this.config.ramPages && this.config.zpool !== 'zsmalloc' && this.zrams.every((z) => z === null)) {
      fail(`${this.resident} resident + ${this.pageCache.cached} file + ${this.poolFrames()} pool frames exceed RAM of ${this.config.ramPages}`);
    }
    const zswapProblem = this.zswap.checkInvariants() ?? this.backend?.checkInvariants() ?? null;
    if (zswapProblem !== null) fail(zswapProblem);
    let filePages = 0;
    for (const e of this.lru) if (e.file) filePages++;
    const cacheProblem = this.pageCache.checkInvariants(filePages);
    if (cacheProblem !== null) fail(cacheProblem);
    for (const z of this.zrams) {
      const problem = z?.checkInvariants() ?? null;
      if (problem !== null) fail(problem);
    }
    if (this.lru.length !== this.resident + filePages) fail(`LRU length ${this.lru.length} != resident ${this.resident} + ${filePages} file pages`);
    let resident = 0;
    const slotsSeen = this.config.swapSlots.map(() => 0);
    for (const space of this.spaces.values()) {
      for (const page of space.values()) {
        if (page.state === RESIDENT) resident++;
        if (page.type < 0) {
          if (page.state === SWAPPED) fail(`swapped page AS ${page.as} VPN ${page.vpn} has no slot`);
          continue;
        }
        slotsSeen[page.type]++;
        const want = page.state === RESIDENT ? SWAP_HAS_CACHE | (page.unmapped ? 1 : 0) : 1;
        const got = this.swap.mapOf(page.type, page.offset);
        if (got !== want) fail(`slot ${page.type}:${page.offset} has swap_map ${got}, expected ${want}`);
        if (this.owners[page.type].get(page.offset) !== page) fail(`slot ${page.type}:${page.offset} owner mismatch`);
      }
    }
    if (resident !== this.resident) fail(`${resident} resident pages but the count says ${this.resident}`);
    this.swap.devices.forEach((dev, type) => {
      const inuse = dev.swapMap.count();
      if (inuse !== dev.inusePages || inuse !== slotsSeen[type]) {
        fail(`device ${type}: ${inuse} slots in use, inuse_pages ${dev.inusePages}, ${slotsSeen[type]} held by pages`);
      }
      if (this.frontswap !== null) {
        for (const off of this.frontswap.setBits(type)) {
          const held = this.backend !== null ? this.backend.holds(type, off) : this.zswap.hasEntry(type, off);
          if (!held && !this.deviceCopy[type].has(off)) {
            fail(`frontswap bit ${type}:${off} is set with no backend entry and no device copy`);
          }
        }
      }
    });
    if (this.swap.usedSlots !== this.swap.devices.reduce((s, d) => s + d.inusePages, 0)) fail('nr_swap_pages mismatch');
  }
}
