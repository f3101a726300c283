/*
 * z3fold: mm/z3fold.c (4.8–6.14; kernel-notes-6x Part B §3, SPEC §7.2).
 *
 * Up to three objects per page frame: FIRST after the header, LAST at the
 * end and MIDDLE in between (at `startMiddle`), in 64-byte chunks. The
 * header (struct z3fold_header, 88 bytes on x86_64) takes two chunks, so 62
 * are usable. An object of s bytes takes ceil(s / 64) chunks; s > 4096 is
 * refused (-ENOSPC) and s > 3904 gets a page of its own with no header
 * ("headless"), on no list.
 *
 * A page with a free slot waits on unbuddied[its largest free gap] (head
 * insert, so allocation takes the newest page with the smallest fitting
 * gap). Freeing an object of a page with others left compacts it: a lone
 * object may move to another page with room (compact_single_buddy; the
 * page it lands in then holds a "foreign" object and is skipped by
 * reclaim), or a MIDDLE object slides next to its neighbour when that gains
 * three chunks or more. Compaction runs at once for a page that was on no
 * list, and at the end of the zswap call otherwise (the kernel queues it on
 * a workqueue; the real kernel's timing there is not modelled).
 *
 * Up to 6.4 pages also sit on an LRU (head: most recently allocated into)
 * and `shrink` reclaims the page nearest its tail that holds no foreign
 * object, evicting MIDDLE, FIRST, LAST through the owner's callback; 5.10
 * does not put a partly evicted page back on its list (`relistAfterReclaim`).
 *
 * Left out: per-CPU list sets (one CPU), page migration, the handle slots'
 * own memory (z3fold_buddy_slots).
 */
import { Link, List } from '../list.js';
import { EINVAL, EAGAIN, ENOMEM, ENOSPC, type EvictFn, type FrameSource, type PoolDistribution, type Zpool } from './zpool.js';

const CHUNK_SIZE = 64;
const TOTAL_CHUNKS = 64;
/** round_up(sizeof(struct z3fold_header) = 88, 64) / 64 */
const ZHDR_CHUNKS = 2;
export const Z3FOLD_NCHUNKS = TOTAL_CHUNKS - ZHDR_CHUNKS;
/** Objects over PAGE_SIZE − header − one chunk get a headless page. */
export const Z3FOLD_HEADLESS_OVER = 4096 - ZHDR_CHUNKS * CHUNK_SIZE - CHUNK_SIZE;
const BIG_CHUNK_GAP = 3;

export type Z3Slot = 'first' | 'middle' | 'last' | 'headless';

interface Obj {
  page: Z3Page;
  slot: Z3Slot;
  chunks: number;
  /** Moved here from another page by compaction: its handle lives in that page's slots. */
  foreign: boolean;
}

export class Z3Page {
  first = 0;
  middle = 0;
  last = 0;
  startMiddle = 0;
  /** Objects in this page whose handles belong to another page. */
  foreignHandles = 0;
  underReclaim = false;
  /** Compaction deferred to the end of the current zswap call. */
  needsCompacting = false;
  readonly objs: Partial<Record<Z3Slot, number>> = {};
  readonly buddy = new Link<Z3Page>(this);
  readonly lru = new Link<Z3Page>(this);
  constructor(
    readonly id: number,
    readonly headless: boolean,
  ) {}

  get objectCount(): number {
    return this.headless ? 1 : (this.first ? 1 : 0) + (this.middle ? 1 : 0) + (this.last ? 1 : 0);
  }

  /** num_free_chunks */
  get freeChunks(): number {
    if (this.middle) {
      const before = this.first ? 0 : this.startMiddle - ZHDR_CHUNKS;
      const after = this.last ? 0 : TOTAL_CHUNKS - this.startMiddle - this.middle;
      return Math.max(before, after);
    }
    return Z3FOLD_NCHUNKS - this.first - this.last;
  }

  get hasFreeSlot(): boolean {
    return !this.first || !this.middle || !this.last;
  }
}

export class Z3foldPool implements Zpool {
  readonly name = 'z3fold';
  readonly unbuddied: List<Z3Page>[] = Array.from({ length: Z3FOLD_NCHUNKS }, () => new List<Z3Page>());
  readonly lru = new List<Z3Page>();
  /** pages_nr: a page counts until released. */
  pages = 0;
  /** Successful allocations by chunks (62 chunks and over: headless). */
  readonly allocChunks = new Float64Array(TOTAL_CHUNKS + 1);
  private readonly objects = new Map<number, Obj>();
  private readonly pagesById = new Map<number, Z3Page>();
  private readonly deferred: Z3Page[] = [];
  private nextHandle = 1;
  private nextPage = 1;

  constructor(
    private readonly frames: FrameSource,
    private readonly evict: EvictFn,
    /** LRU and reclaim (5.10, 6.1); none from 6.5. */
    readonly withLru = true,
    /** 6.1 puts a partly evicted page back on its unbuddied list; 5.10 does not. */
    private readonly relistAfterReclaim = true,
  ) {}

  get evictable(): boolean {
    return this.withLru;
  }

  malloc(size: number): number {
    if (size <= 0) return EINVAL;
    if (size > 4096) return ENOSPC;
    if (size > Z3FOLD_HEADLESS_OVER) {
      if (!this.frames.frameFree()) return ENOMEM;
      const page = this.newPage(true);
      this.allocChunks[TOTAL_CHUNKS]++;
      return this.place(page, 'headless', Math.ceil(size / CHUNK_SIZE));
    }
    const chunks = Math.ceil(size / CHUNK_SIZE);
    let page = this.findPage(chunks);
    if (page === null) {
      if (!this.frames.frameFree()) return ENOMEM;
      page = this.newPage(false);
    }
    const slot = freeBuddy(page, chunks);
    const handle = this.place(page, slot, chunks);
    this.allocChunks[chunks]++;
    this.relist(page);
    return handle;
  }

  free(handle: number): void {
    const obj = this.objects.get(handle)!;
    this.objects.delete(handle);
    const page = obj.page;
    if (page.headless) {
      if (page.underReclaim) {
        page.objs.headless = undefined;
        page.first = 0;
        return;
      }
      this.releasePage(page);
      return;
    }
    this.clearSlot(page, obj.slot);
    if (obj.foreign) page.foreignHandles--;
    if (page.underReclaim) return;
    if (page.objectCount === 0) {
      this.releasePage(page);
      return;
    }
    if (!page.buddy.linked) {
      this.compact(page);
    } else if (!page.needsCompacting) {
      page.needsCompacting = true;
      this.deferred.push(page);
    }
  }

  /** The deferred compactions of this zswap call. */
  endCall(): void {
    while (this.deferred.length > 0) {
      const page = this.deferred.shift()!;
      page.needsCompacting = false;
      if (this.pagesById.get(page.id) !== page) continue; // released meanwhile
      this.compact(page);
    }
  }

  shrink(): number {
    return this.reclaimPage(8);
  }

  /** z3fold_reclaim_page: 0 when a page was freed. */
  reclaimPage(retries: number): number {
    if (!this.withLru || this.lru.empty) return EINVAL;
    for (let i = 0; i < retries; i++) {
      let page: Z3Page | null = null;
      for (const p of this.lru.fromTail()) {
        if (p.headless || p.foreignHandles === 0) {
          page = p;
          break;
        }
      }
      if (page === null) return EAGAIN;
      this.lru.remove(page.lru);
      if (page.buddy.linked) page.buddy.unlink();
      page.underReclaim = true;
      const order: Z3Slot[] = page.headless ? ['headless'] : ['middle', 'first', 'last'];
      for (const slot of order) {
        const h = page.objs[slot];
        if (h === undefined) continue;
        if (this.evict(h) !== 0) break;
      }
      page.underReclaim = false;
      if (page.objectCount === 0 || (page.headless && page.objs.headless === undefined)) {
        this.releasePage(page);
        return 0;
      }
      this.lru.addHead(page.lru);
      if (this.relistAfterReclaim && !page.headless) this.relist(page);
    }
    return EAGAIN;
  }

  /** The page and slot of a handle (tests, invariant checks). */
  whereIs(handle: number): { page: Z3Page; slot: Z3Slot } {
    const o = this.objects.get(handle)!;
    return { page: o.page, slot: o.slot };
  }

  distribution(): PoolDistribution {
    const sizes: Record<string, number> = {};
    this.allocChunks.forEach((count, c) => {
      if (count > 0) sizes[c === TOTAL_CHUNKS ? 'headless' : String(c)] = count;
    });
    const occupancy: Record<string, number> = { '1': 0, '2': 0, '3': 0, headless: 0 };
    for (const p of this.pagesById.values()) occupancy[p.headless ? 'headless' : String(p.objectCount)]++;
    return { object_sizes: sizes, occupancy };
  }

  checkInvariants(): string | null {
    if (this.pagesById.size !== this.pages) return `z3fold counts ${this.pages} pages but holds ${this.pagesById.size}`;
    for (const p of this.pagesById.values()) {
      if (p.headless) {
        if (p.buddy.linked) return `headless z3fold page ${p.id} is on an unbuddied list`;
        continue;
      }
      if (p.first + p.middle + p.last > Z3FOLD_NCHUNKS) return `z3fold page ${p.id} holds ${p.first}+${p.middle}+${p.last} chunks`;
      if (p.middle && (p.startMiddle < ZHDR_CHUNKS + p.first || p.startMiddle + p.middle > TOTAL_CHUNKS - p.last)) {
        return `z3fold page ${p.id}: middle at ${p.startMiddle} overlaps its neighbours`;
      }
      if (!p.needsCompacting && p.buddy.linked !== p.hasFreeSlot) return `z3fold page ${p.id} is ${p.buddy.linked ? '' : 'not '}listed with ${p.hasFreeSlot ? 'a' : 'no'} free slot`;
    }
    if (this.withLru && this.lru.length !== this.pages) return `z3fold holds ${this.pages} pages but its LRU ${this.lru.length}`;
    return null;
  }

  // ---- helpers ----------------------------------------------------------

  private newPage(headless: boolean): Z3Page {
    const page = new Z3Page(this.nextPage++, headless);
    this.pagesById.set(page.id, page);
    this.pages++;
    if (this.withLru) this.lru.addHead(page.lru);
    return page;
  }

  private place(page: Z3Page, slot: Z3Slot, chunks: number): number {
    if (slot === 'first') page.first = chunks;
    else if (slot === 'last') page.last = chunks;
    else if (slot === 'middle') {
      page.middle = chunks;
      page.startMiddle = page.first + ZHDR_CHUNKS;
    } else page.first = chunks; // headless: the whole page
    const handle = this.nextHandle++;
    page.objs[slot] = handle;
    this.objects.set(handle, { page, slot, chunks, foreign: false });
    if (this.withLru) this.lru.moveToHead(page.lru);
    return handle;
  }

  private clearSlot(page: Z3Page, slot: Z3Slot): void {
    if (slot === 'first') page.first = 0;
    else if (slot === 'last') page.last = 0;
    else if (slot === 'middle') {
      page.middle = 0;
      page.startMiddle = 0;
    }
    page.objs[slot] = undefined;
  }

  /** The head of the first non-empty unbuddied list that fits `chunks`, unlinked. */
  private findPage(chunks: number): Z3Page | null {
    for (let i = chunks; i < Z3FOLD_NCHUNKS; i++) {
      const list = this.unbuddied[i];
      if (!list.empty) {
        const page = list.head()!;
        list.remove(page.buddy);
        return page;
      }
    }
    return null;
  }

  /** add_to_unbuddied: on unbuddied[free chunks] (head) while a slot is free. */
  private relist(page: Z3Page): void {
    if (page.buddy.linked) page.buddy.unlink();
    if (page.hasFreeSlot) this.unbuddied[page.freeChunks].addHead(page.buddy);
  }

  private releasePage(page: Z3Page): void {
    if (page.buddy.linked) page.buddy.unlink();
    if (page.lru.linked) this.lru.remove(page.lru);
    this.pagesById.delete(page.id);
    this.pages--;
  }

  /** do_compact_page: compact_single_buddy, else z3fold_compact_page; then relist. */
  private compact(page: Z3Page): void {
    if (page.buddy.linked) page.buddy.unlink();
    if (page.objectCount === 1 && page.foreignHandles === 0) {
      const slot: Z3Slot = page.first ? 'first' : page.middle ? 'middle' : 'last';
      const handle = page.objs[slot]!;
      const obj = this.objects.get(handle)!;
      const dest = this.findPage(obj.chunks);
      if (dest !== null) {
        this.clearSlot(page, slot);
        const destSlot = freeBuddy(dest, obj.chunks);
        if (destSlot === 'first') dest.first = obj.chunks;
        else if (destSlot === 'last') dest.last = obj.chunks;
        else {
          dest.middle = obj.chunks;
          dest.startMiddle = dest.first + ZHDR_CHUNKS;
        }
        dest.objs[destSlot] = handle;
        dest.foreignHandles++;
        obj.page = dest;
        obj.slot = destSlot;
        obj.foreign = true;
        this.relist(dest);
        this.releasePage(page);
        return;
      }
    }
    if (page.middle) {
      if (!page.first && !page.last) {
        // MIDDLE becomes FIRST
        const h = page.objs.middle!;
        page.first = page.middle;
        page.middle = 0;
        page.startMiddle = 0;
        page.objs.middle = undefined;
        page.objs.first = h;
        this.objects.get(h)!.slot = 'first';
      } else if (page.first && !page.last && page.startMiddle - (page.first + ZHDR_CHUNKS) >= BIG_CHUNK_GAP) {
        page.startMiddle = page.first + ZHDR_CHUNKS;
      } else if (page.last && !page.first && TOTAL_CHUNKS - (page.last + page.startMiddle + page.middle) >= BIG_CHUNK_GAP) {
        page.startMiddle = TOTAL_CHUNKS - page.last - page.middle;
      }
    }
    this.relist(page);
  }
}

/** get_free_buddy: the slot an object of `chunks` takes in a page found for it. */
function freeBuddy(page: Z3Page, chunks: number): Z3Slot {
  if (page.middle) return !page.first && chunks <= page.startMiddle - ZHDR_CHUNKS ? 'first' : 'last';
  if (!page.first) return 'first';
  if (!page.last) return 'last';
  return 'middle';
}
