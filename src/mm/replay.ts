/*
 * The simulated machine and the replay of trace records (SPEC §3, §9).
 *
 * This is the part of the kernel between a memory access and the swap path:
 * do_anonymous_page, do_swap_page (mm/memory.c), shrink_page_list and
 * swap_writepage (mm/vmscan.c, mm/page_io.c), the swap cache. It owns the
 * pages, one LRU over all address spaces, the page frames, and the devices'
 * contents, and wires the allocator (swapfile.ts), frontswap.ts, zswap.ts
 * and zbud.ts together.
 *
 * Invariants (checked after every record with --check-invariants):
 *   - resident pages + pool pages (when the pool is in RAM) ≤ RAM frames;
 *   - a page holds at most one slot, and the slot's swap_map says how:
 *     0x40 resident in the swap cache, 0x01 swapped out;
 *   - every set frontswap bit has a zswap entry or a device copy;
 *   - zbud's lists hold exactly its pages.
 *
 * Every load at a major fault is verified against the 128-bit digest of the
 * content the trace last wrote, and every still-swapped page is checked when
 * the trace ends. A mismatch is recorded and the run goes on.
 *
 * Reclaim takes its victims from the LRU tail in batches. A driver that
 * compresses in a worker pool asks `storeCandidates()` which pages near the
 * tail will be stored, compresses them ahead, and hands the blocks back with
 * `supplyCompressed()`, tagged with the page's content version; an eviction
 * uses a block only if the page has not been rewritten since. Any page
 * without one is compressed in-process on demand, so results are identical
 * whatever was predicted.
 */
import type { Codec } from '../compress/codec.js';
import { DuplicateStoreBug, InternalError, OutOfResourcesError } from '../errors.js';
import { PAGE_SIZE, isSameFilled } from '../page.js';
import type { TraceRecord } from '../trace/format.js';
import { digestPage } from './digest.js';
import { Frontswap, type FrontswapDupMode } from './frontswap.js';
import { Link, List } from './list.js';
import type { KernelProfile } from './profiles.js';
import { PageSlab } from './slab.js';
import { SWAP_HAS_CACHE, SwapSpace, type SwapHost } from './swapfile.js';
import { Zswap, type CompressedPage, type DuplicatePolicy, type LimitPolicy, type ZswapHost } from './zswap.js';
import type { PageAllocator } from './zbud.js';

export type SwapcacheWrite = 'free' | 'keep';

export interface MachineConfig {
  ramPages: number;
  /** Slots per device, the header slot included. */
  swapSlots: number[];
  swapPrio: number[];
  kernel: KernelProfile;
  zpool: 'zbud';
  max_pool_percent: number;
  accept_threshold_percent: number;
  limitPolicy: LimitPolicy;
  same_filled_pages: boolean;
  duplicate: DuplicatePolicy;
  frontswapDup: FrontswapDupMode;
  swapcacheWrite: SwapcacheWrite;
  reclaimBatch: number;
  poolInRam: boolean;
  checkInvariants: boolean;
  /** false: no frontswap backend at all (the no-zswap baseline of `compare`). */
  zswapEnabled: boolean;
  /** Name of the trace, for messages. */
  traceName: string;
}

export interface VmStats {
  accesses: number;
  major_faults: number;
  evictions: number;
  zero_page_reads: number;
  free_absent: number;
}

export interface SwapIoStats {
  swapouts: number;
  swapins: number;
  pswpout: number;
  pswpin: number;
}

export interface VerifyStats {
  loads_checked: number;
  final_checked: number;
  corrupt_loads: number;
}

export interface CorruptLoad {
  as: number;
  vpn: number;
  type: number;
  offset: number;
  line: number;
  source: 'zswap' | 'device';
  when: 'fault' | 'final check';
}

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

export class Page {
  state = RESIDENT;
  dirty = true;
  frame = -1;
  /** Swap slot, or type −1. */
  type = -1;
  offset = 0;
  readonly lru = new Link<Page>(this);
  /** Digest of the trace's content, valid once computed after the last write. */
  digestValid = false;
  /** Bumped by every write: tells a block compressed ahead from a stale one. */
  version = 0;
  readonly digest = new Int32Array(4);
  constructor(
    readonly as: number,
    readonly vpn: number,
  ) {}
}

export class Machine implements SwapHost, ZswapHost, PageAllocator {
  readonly vm: VmStats = { accesses: 0, major_faults: 0, evictions: 0, zero_page_reads: 0, free_absent: 0 };
  readonly io: SwapIoStats = { swapouts: 0, swapins: 0, pswpout: 0, pswpin: 0 };
  readonly verify: VerifyStats = { loads_checked: 0, final_checked: 0, corrupt_loads: 0 };
  readonly corrupt: CorruptLoad[] = [];

  readonly swap: SwapSpace;
  readonly frontswap: Frontswap;
  readonly zswap: Zswap;
  readonly lru = new List<Page>();
  private readonly spaces = new Map<number, Map<number, Page>>();
  private readonly owners: (Page | undefined)[][];
  private readonly deviceCopy: Int32Array[];
  private readonly slab = new PageSlab();
  resident = 0;
  /** Trace line of the record being replayed. */
  line = 0;

  /** Blocks compressed ahead by a worker pool from each page's current content (a rewrite drops its block). */
  private readonly prepared = new Map<Page, CompressedPage>();
  private readonly scratch = new Uint8Array(PAGE_SIZE);
  private readonly digestOut = new Int32Array(4);
  /** Recent events per slot (--duplicate bug only): flat (line, event, arg, page) tuples, formatted only for a report. */
  private readonly history: Map<number, (number | Page | null)[]> | null;

  constructor(
    readonly config: MachineConfig,
    codec: Codec,
  ) {
    this.swap = new SwapSpace(config.swapSlots, config.swapPrio);
    this.swap.attach(this);
    this.zswap = new Zswap(
      {
        totalramPages: config.ramPages,
        max_pool_percent: config.max_pool_percent,
        accept_threshold_percent: config.accept_threshold_percent,
        same_filled_pages_enabled: config.same_filled_pages,
        limitPolicy: config.limitPolicy,
        duplicate: config.duplicate,
      },
      codec,
      this.slab,
      this,
      this,
    );
    this.frontswap = new Frontswap(config.zswapEnabled ? this.zswap : null, config.frontswapDup);
    this.owners = config.swapSlots.map((n) => new Array<Page | undefined>(n));
    this.deviceCopy = config.swapSlots.map((n) => new Int32Array(n).fill(-1));
    config.swapSlots.forEach((n, type) => this.frontswap.init(type, n));
    this.history = config.duplicate === 'bug' ? new Map() : null;
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
          const fresh = new Page(rec.as, rec.vpn);
          fresh.frame = this.slab.alloc();
          this.slab.page(fresh.frame).set(rec.data);
          this.resident++;
          this.lru.addHead(fresh.lru);
          this.space(rec.as).set(rec.vpn, fresh);
        } else {
          if (page.state === SWAPPED) this.fault(page);
          this.writeResident(page, rec.data);
        }
        break;
      }
      case 'r': {
        this.vm.accesses++;
        const page = this.lookup(rec.as, rec.vpn);
        if (page === undefined) this.vm.zero_page_reads++;
        else if (page.state === SWAPPED) this.fault(page);
        else this.lru.moveToHead(page.lru);
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
      case 'd':
        break;
    }
    if (this.config.checkInvariants) this.checkInvariants();
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
  private writeResident(page: Page, data: Uint8Array): void {
    this.slab.page(page.frame).set(data);
    page.version++;
    this.prepared.delete(page); // a block compressed ahead is stale now
    page.dirty = true;
    page.digestValid = false;
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
    this.swap.addCache(type, offset);
    page.frame = this.slab.alloc();
    const dst = this.slab.page(page.frame);
    const source = this.frontswap.load(type, offset, dst) === 0 ? 'zswap' : 'device';
    if (source === 'device') {
      this.readDevice(type, offset, dst);
      this.io.pswpin++;
    }
    this.noteHistory(type, offset, source === 'zswap' ? SlotEvent.swapinZswap : SlotEvent.swapinDevice);
    this.verify.loads_checked++;
    this.check(page, dst, source, 'fault');
    page.state = RESIDENT;
    page.dirty = false;
    this.resident++;
    this.lru.addHead(page.lru);
    this.swap.entryFree(type, offset, 1); // swap_free: the PTE now maps the page
    if (this.swap.vmSwapFull()) this.deleteFromSwapCache(page); // try_to_free_swap
  }

  /** f, x: the page goes away with its frame and its slot. */
  private freePage(page: Page): void {
    this.prepared.delete(page);
    if (page.state === RESIDENT) {
      this.lru.remove(page.lru);
      this.slab.release(page.frame);
      page.frame = -1;
      this.resident--;
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
    this.owners[type][offset] = undefined;
    this.swap.entryFree(type, offset, usage);
  }

  // ---- frames and reclaim -------------------------------------------------

  private hasFreeFrame(): boolean {
    return this.resident + (this.config.poolInRam ? this.zswap.pool.pages : 0) < this.config.ramPages;
  }

  /** §3.1: make sure a frame is free, reclaiming batch after batch. */
  private takeFrame(): void {
    while (!this.hasFreeFrame()) {
      if (this.resident === 0) {
        throw new OutOfResourcesError(
          `out of memory at ${this.config.traceName}:${this.line}: no free frame among ${this.config.ramPages} RAM pages — ` +
            `the compressed pool holds ${this.zswap.pool.pages} and no resident page is left to evict`,
        );
      }
      this.reclaimBatch();
    }
  }

  /** Would this record need a frame that is not free (so reclaim runs first)? */
  willReclaim(rec: TraceRecord): boolean {
    if (this.hasFreeFrame() || (rec.kind !== 'w' && rec.kind !== 'r')) return false;
    const page = this.lookup(rec.as, rec.vpn);
    return page === undefined ? rec.kind === 'w' : page.state === SWAPPED;
  }

  /**
   * Pages near the LRU tail that eviction will hand to zswap for compression
   * (dirty or slotless, and not same-filled when those are stored as a
   * word), in eviction order: of the `count` pages after the first `skip`,
   * those with no block compressed ahead for their current content and not
   * in `pending` (pages the caller is already having compressed).
   */
  storeCandidates(skip: number, count: number, pending?: { has(page: Page): boolean }): Page[] {
    const out: Page[] = [];
    let p = this.lru.tail();
    for (let i = 0; p !== null && i < skip + count; p = p.lru.prev!.owner, i++) {
      if (i < skip || (!p.dirty && p.type >= 0) || pending?.has(p) || this.prepared.has(p)) continue;
      if (this.config.same_filled_pages && isSameFilled(this.slab.page(p.frame))) continue;
      out.push(p);
    }
    return out;
  }

  /** The next `count` pages reclaim will take, oldest first (the LRU tail). */
  nextVictims(count: number): Page[] {
    const out: Page[] = [];
    for (let p = this.lru.tail(); p !== null && out.length < count; p = p.lru.prev!.owner) out.push(p);
    return out;
  }

  /** The current content of a resident page (a view: copy it to keep it). */
  contentOf(page: Page): Uint8Array {
    return this.slab.page(page.frame);
  }

  /** A block compressed ahead from the page's content at `version`; ignored if the page was rewritten or left since. */
  supplyCompressed(page: Page, version: number, compressed: CompressedPage): void {
    if (page.state === RESIDENT && page.version === version) this.prepared.set(page, compressed);
  }

  private reclaimBatch(): void {
    const n = Math.min(this.config.reclaimBatch, this.resident);
    for (let i = 0; i < n; i++) this.evict(this.lru.tail()!);
  }

  /** shrink_page_list for one page, then swap_writepage when it must be written. */
  private evict(page: Page): void {
    const compressed = this.prepared.get(page) ?? null;
    this.prepared.delete(page);
    this.vm.evictions++;
    this.lru.remove(page.lru);
    this.resident--;
    page.state = SWAPPED;
    if (!page.dirty && page.type >= 0) {
      // A clean swap-cache page: its copy at the slot is still valid.
      this.swap.duplicate(page.type, page.offset);
      this.slab.release(page.frame);
      page.frame = -1;
      this.swap.entryFree(page.type, page.offset, SWAP_HAS_CACHE);
      return;
    }
    const content = this.slab.page(page.frame);
    if (!page.digestValid) {
      if (compressed?.digest !== undefined) page.digest.set(compressed.digest);
      else digestPage(content, page.digest);
      page.digestValid = true;
    }
    if (page.type < 0) this.allocateSlot(page);
    const { type, offset } = page;
    this.swap.duplicate(type, offset); // try_to_unmap: the PTE now holds the entry
    this.io.swapouts++;
    this.zswap.prepared = compressed;
    const ret = this.frontswap.store(type, offset, content);
    this.zswap.prepared = null;
    this.noteHistory(type, offset, ret === 0 ? SlotEvent.storeOk : SlotEvent.storeFailed, ret);
    this.zswap.runQueuedShrink();
    if (ret !== 0) this.writeDevice(type, offset, content);
    this.slab.release(page.frame);
    page.frame = -1;
    page.dirty = false;
    this.swap.entryFree(type, offset, SWAP_HAS_CACHE); // the page leaves the swap cache
  }

  private allocateSlot(page: Page): void {
    const type = this.swap.getSwapPage();
    if (type < 0) {
      const c = this.config;
      throw new OutOfResourcesError(
        `out of swap at ${c.traceName}:${this.line}: no free slot among ${this.swap.totalSwapPages} ` +
          `(swap ${c.swapSlots.map((n) => `${n}p`).join(',')}, RAM ${c.ramPages}p) to evict AS ${page.as} VPN 0x${page.vpn.toString(16)}`,
      );
    }
    page.type = type;
    page.offset = this.swap.allocated;
    this.owners[type][page.offset] = page;
    this.noteHistory(type, page.offset, SlotEvent.allocated, 0, page);
  }

  // ---- hosts: swapfile, zswap, zbud ---------------------------------------

  tryToReclaimSwap(type: number, offset: number): boolean {
    const page = this.owners[type][offset];
    // try_to_free_swap: only a clean page that is not under writeback (SPEC §4)
    if (page === undefined || page.state !== RESIDENT || page.dirty) return false;
    this.noteHistory(type, offset, SlotEvent.reclaimedClean);
    this.deleteFromSwapCache(page);
    return true;
  }

  slotFreed(type: number, offset: number): void {
    this.frontswap.invalidatePage(type, offset);
    const copy = this.deviceCopy[type][offset];
    if (copy >= 0) {
      this.slab.release(copy);
      this.deviceCopy[type][offset] = -1;
    }
    this.noteHistory(type, offset, SlotEvent.freed);
  }

  slotState(type: number, offset: number): number {
    return this.swap.mapOf(type, offset);
  }

  writeToDevice(type: number, offset: number, page: Uint8Array): void {
    this.noteHistory(type, offset, SlotEvent.writeback);
    this.writeDevice(type, offset, page);
  }

  duplicateBug(type: number, offset: number): never {
    const owner = this.owners[type][offset];
    const who = owner ? ` (held by AS ${owner.as} VPN 0x${owner.vpn.toString(16)})` : '';
    const history = formatHistory(this.history?.get(this.historyKey(type, offset)) ?? []);
    throw new DuplicateStoreBug(
      `BUG: duplicate store to swap type ${type} offset ${offset}${who} at ${this.config.traceName}:${this.line}: ` +
        `zswap already holds an entry for this slot (--duplicate bug)\n` +
        `recent history of the slot (oldest first):\n${history.map((h) => `  ${h}`).join('\n') || '  (none recorded)'}`,
    );
  }

  allocPoolPage(): number {
    if (this.config.poolInRam && !this.hasFreeFrame()) return -1;
    return this.slab.alloc();
  }

  freePoolPage(frame: number): void {
    this.slab.release(frame);
  }

  // ---- device -------------------------------------------------------------

  private writeDevice(type: number, offset: number, content: Uint8Array): void {
    let copy = this.deviceCopy[type][offset];
    if (copy < 0) {
      copy = this.slab.alloc();
      this.deviceCopy[type][offset] = copy;
    }
    this.slab.page(copy).set(content);
    this.io.pswpout++;
  }

  private readDevice(type: number, offset: number, dst: Uint8Array): void {
    const copy = this.deviceCopy[type][offset];
    if (copy < 0) {
      throw new InternalError(`swap type ${type} offset ${offset} has neither a zswap entry nor a device copy at line ${this.line}`);
    }
    dst.set(this.slab.page(copy));
  }

  // ---- verification (SPEC §9) ---------------------------------------------

  private check(page: Page, loaded: Uint8Array, source: CorruptLoad['source'], when: CorruptLoad['when']): void {
    digestPage(loaded, this.digestOut);
    this.compareDigest(page, this.digestOut, source, when);
  }

  private compareDigest(page: Page, d: Int32Array, source: CorruptLoad['source'], when: CorruptLoad['when']): void {
    const e = page.digest;
    if (d[0] === e[0] && d[1] === e[1] && d[2] === e[2] && d[3] === e[3]) return;
    this.verify.corrupt_loads++;
    if (this.corrupt.length < MAX_CORRUPT_REPORTED) {
      this.corrupt.push({ as: page.as, vpn: page.vpn, type: page.type, offset: page.offset, line: this.line, source, when });
    }
  }

  /**
   * The end-of-trace check of every still-swapped page: no access, no
   * counter but verify's. Pages on the device and same-filled entries are
   * checked here; compressed zswap entries are returned, in order, for the
   * caller to decompress and digest (in workers, or by finalCheck()), and
   * their digests come back through finalCheckResult().
   */
  finalCheckPlan(): { page: Page; block: Uint8Array }[] {
    const remote: { page: Page; block: Uint8Array }[] = [];
    const dst = this.scratch;
    for (const space of this.spaces.values()) {
      for (const page of space.values()) {
        if (page.state !== SWAPPED) continue;
        this.verify.final_checked++;
        const { type, offset } = page;
        if (this.frontswap.test(type, offset)) {
          const block = this.zswap.storedBlock(type, offset);
          if (block !== null) {
            remote.push({ page, block });
            continue;
          }
          if (this.zswap.peek(type, offset, dst)) {
            this.check(page, dst, 'zswap', 'final check');
            continue;
          }
        }
        this.readDevice(type, offset, dst);
        this.check(page, dst, 'device', 'final check');
      }
    }
    return remote;
  }

  /** The digest of a page's zswap entry, decompressed elsewhere (see finalCheckPlan). */
  finalCheckResult(page: Page, digest: Int32Array): void {
    this.compareDigest(page, digest, 'zswap', 'final check');
  }

  /** The whole final check in-process. */
  finalCheck(): void {
    for (const { page, block } of this.finalCheckPlan()) {
      this.zswap.decompressBlock(block, this.scratch);
      this.check(page, this.scratch, 'zswap', 'final check');
    }
  }

  /** swapoff of every device (after the report): the pool must end empty. */
  swapoffAll(): void {
    for (let type = 0; type < this.config.swapSlots.length; type++) this.frontswap.invalidateArea(type);
    if (this.zswap.pool.pages !== 0 || this.zswap.entryCount() !== 0) {
      throw new InternalError(
        `after swapoff the pool still holds ${this.zswap.pool.pages} pages and ${this.zswap.entryCount()} entries`,
      );
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
    const pool = this.zswap.pool;
    const poolFrames = this.config.poolInRam ? pool.pages : 0;
    if (this.resident + poolFrames > this.config.ramPages) {
      fail(`${this.resident} resident + ${poolFrames} pool frames exceed RAM of ${this.config.ramPages}`);
    }
    if (pool.listedPages() !== pool.pages || pool.lru.length !== pool.pages) {
      fail(`zbud holds ${pool.pages} pages but its lists hold ${pool.listedPages()} and its LRU ${pool.lru.length}`);
    }
    if (this.lru.length !== this.resident) fail(`LRU length ${this.lru.length} != resident ${this.resident}`);
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
        const want = page.state === RESIDENT ? SWAP_HAS_CACHE : 1;
        const got = this.swap.mapOf(page.type, page.offset);
        if (got !== want) fail(`slot ${page.type}:${page.offset} has swap_map ${got}, expected ${want}`);
        if (this.owners[page.type][page.offset] !== page) fail(`slot ${page.type}:${page.offset} owner mismatch`);
      }
    }
    if (resident !== this.resident) fail(`${resident} resident pages but the count says ${this.resident}`);
    let entries = 0;
    let sameFilled = 0;
    this.swap.devices.forEach((dev, type) => {
      let inuse = 0;
      for (let off = 0; off < dev.max; off++) if (dev.swapMap[off] !== 0) inuse++;
      if (inuse !== dev.inusePages || inuse !== slotsSeen[type]) {
        fail(`device ${type}: ${inuse} slots in use, inuse_pages ${dev.inusePages}, ${slotsSeen[type]} held by pages`);
      }
      for (const off of this.frontswap.setBits(type)) {
        if (!this.zswap.trees[type].has(off) && this.deviceCopy[type][off] < 0) {
          fail(`frontswap bit ${type}:${off} is set with no zswap entry and no device copy`);
        }
      }
      for (const e of this.zswap.trees[type].values()) {
        entries++;
        if (e.length === 0) sameFilled++;
      }
    });
    if (this.swap.usedSlots !== this.swap.devices.reduce((s, d) => s + d.inusePages, 0)) fail('nr_swap_pages mismatch');
    const zs = this.zswap.stats;
    if (zs.stored_pages !== entries || zs.same_filled_pages !== sameFilled) {
      fail(`stored_pages ${zs.stored_pages}/same_filled ${zs.same_filled_pages} but the trees hold ${entries}/${sameFilled}`);
    }
    if (zs.pool_total_size !== pool.pages * PAGE_SIZE) fail('pool_total_size is not the pool size');
  }
}
