/*
 * zbud: mm/zbud.c (3.11–6.14; kernel-notes §3, SPEC §7.1).
 *
 * zbud stores at most two compressed objects ("buddies") per page frame: one
 * left-justified after the header chunk (FIRST), one right-justified at the
 * end (LAST). A page is 64 chunks of 64 bytes; chunk 0 is the header, so 63
 * are usable and an object of `size` bytes takes ceil(size / 64) chunks. An
 * object over 3968 bytes (62 chunks) is refused with -ENOSPC: it would leave
 * no room for a buddy. Density is therefore between 1:1 and 2:1 — zbud never
 * does harm, and never does much better than half.
 *
 * Pages with one free side wait on `unbuddied[free chunks]`, full pages on
 * `buddied`; allocation takes the first page of the first non-empty list
 * that fits (smallest fitting hole, newest page). Up to 6.4 every
 * allocation moves its page to the head of the pool LRU and `shrink`
 * reclaims from its tail through the owner's evict callback (zswap's
 * writeback); from 6.5 the LRU belongs to zswap and zbud has none
 * (`withLru` false).
 *
 * Handles are opaque numbers: page id × 2 + side. Left out: HIGHMEM,
 * locking, map/unmap (the bytes stay with zswap's entry).
 */
import { Link, List } from '../list.js';
import { EAGAIN, EINVAL, ENOMEM, ENOSPC, type EvictFn, type FrameSource, type PoolDistribution, type Zpool } from './zpool.js';

const PAGE_SIZE = 4096;
export const CHUNK_SHIFT = 6;
export const CHUNK_SIZE = 1 << CHUNK_SHIFT;
export const ZHDR_SIZE_ALIGNED = CHUNK_SIZE;
/** Usable chunks per page: (PAGE_SIZE − header) / CHUNK_SIZE. */
export const NCHUNKS = (PAGE_SIZE - ZHDR_SIZE_ALIGNED) >> CHUNK_SHIFT;
/** The largest object zbud accepts: PAGE_SIZE − 2 × 64 = 3968 bytes. */
export const ZBUD_MAX_SIZE = PAGE_SIZE - ZHDR_SIZE_ALIGNED - CHUNK_SIZE;

export function sizeToChunks(size: number): number {
  return (size + CHUNK_SIZE - 1) >> CHUNK_SHIFT;
}

export class ZbudPage {
  firstChunks = 0;
  lastChunks = 0;
  underReclaim = false;
  readonly buddy = new Link<ZbudPage>(this);
  readonly lru = new Link<ZbudPage>(this);
  constructor(readonly id: number) {}

  get freeChunks(): number {
    return NCHUNKS - this.firstChunks - this.lastChunks;
  }
}

export type Bud = 'first' | 'last';

export class ZbudPool implements Zpool {
  readonly name = 'zbud';
  /** unbuddied[i]: pages with one free side of i free chunks. */
  readonly unbuddied: List<ZbudPage>[] = Array.from({ length: NCHUNKS }, () => new List<ZbudPage>());
  readonly buddied = new List<ZbudPage>();
  readonly lru = new List<ZbudPage>();
  /** pages_nr */
  pages = 0;
  /** Successful allocations by size in chunks (index 1–62), for the report's distributions. */
  readonly allocChunks = new Float64Array(NCHUNKS);
  private readonly byId = new Map<number, ZbudPage>();
  private nextId = 1;

  constructor(
    private readonly frames: FrameSource,
    private readonly evict: EvictFn,
    /** The pool LRU and reclaim of kernels up to 6.4. */
    readonly withLru = true,
  ) {}

  get evictable(): boolean {
    return this.withLru;
  }

  /** zbud_alloc: a handle (> 0), or EINVAL, ENOSPC (too big) or ENOMEM (no frame). */
  malloc(size: number): number {
    if (size <= 0) return EINVAL;
    if (size > ZBUD_MAX_SIZE) return ENOSPC;
    const chunks = sizeToChunks(size);
    let zpage: ZbudPage | null = null;
    let bud: Bud = 'first';
    for (let i = chunks; i < NCHUNKS; i++) {
      const list = this.unbuddied[i];
      if (!list.empty) {
        zpage = list.head()!;
        list.remove(zpage.buddy);
        bud = zpage.firstChunks === 0 ? 'first' : 'last';
        break;
      }
    }
    if (zpage === null) {
      if (!this.frames.frameFree()) return ENOMEM;
      zpage = new ZbudPage(this.nextId++);
      this.byId.set(zpage.id, zpage);
      this.pages++;
    }
    if (bud === 'first') zpage.firstChunks = chunks;
    else zpage.lastChunks = chunks;
    this.allocChunks[chunks]++;
    this.relist(zpage);
    if (this.withLru) {
      if (zpage.lru.linked) this.lru.remove(zpage.lru);
      this.lru.addHead(zpage.lru);
    }
    return zpage.id * 2 + (bud === 'first' ? 0 : 1);
  }

  /** zbud_free */
  free(handle: number): void {
    const zpage = this.pageOf(handle);
    if (this.budOf(handle) === 'last') zpage.lastChunks = 0;
    else zpage.firstChunks = 0;
    if (zpage.underReclaim) return;
    zpage.buddy.unlink();
    if (zpage.firstChunks === 0 && zpage.lastChunks === 0) {
      if (zpage.lru.linked) this.lru.remove(zpage.lru);
      this.freePage(zpage);
    } else {
      this.unbuddied[zpage.freeChunks].addHead(zpage.buddy);
    }
  }

  shrink(): number {
    return this.reclaimPage(8);
  }

  endCall(): void {}

  /** zbud_reclaim_page: 0 when a page was freed, else EINVAL or EAGAIN. */
  reclaimPage(retries: number): number {
    if (!this.withLru || this.lru.empty || retries === 0) return EINVAL;
    for (let i = 0; i < retries; i++) {
      const zpage = this.lru.tail()!;
      this.lru.remove(zpage.lru);
      zpage.buddy.unlink();
      zpage.underReclaim = true;
      const first = zpage.firstChunks ? zpage.id * 2 : 0;
      const last = zpage.lastChunks ? zpage.id * 2 + 1 : 0;
      if (first === 0 || this.evict(first) === 0) {
        if (last !== 0) this.evict(last);
      }
      zpage.underReclaim = false;
      if (zpage.firstChunks === 0 && zpage.lastChunks === 0) {
        this.freePage(zpage);
        return 0;
      }
      this.relist(zpage);
      this.lru.addHead(zpage.lru);
    }
    return EAGAIN;
  }

  /** The page a handle lives in (for tests and invariant checks). */
  pageOf(handle: number): ZbudPage {
    return this.byId.get(Math.floor(handle / 2))!;
  }

  budOf(handle: number): Bud {
    return handle % 2 === 0 ? 'first' : 'last';
  }

  /** Chunks of the object behind a handle. */
  chunksOf(handle: number): number {
    const p = this.pageOf(handle);
    return this.budOf(handle) === 'first' ? p.firstChunks : p.lastChunks;
  }

  /** Pages holding one object and pages holding two. */
  occupancy(): { one: number; two: number } {
    return { one: this.pages - this.buddied.length, two: this.buddied.length };
  }

  distribution(): PoolDistribution {
    const sizes: Record<string, number> = {};
    this.allocChunks.forEach((count, c) => {
      if (count > 0) sizes[String(c)] = count;
    });
    const occ = this.occupancy();
    return { object_sizes: sizes, occupancy: { '1': occ.one, '2': occ.two } };
  }

  /** Pages on the unbuddied and buddied lists (excludes a page under reclaim). */
  listedPages(): number {
    return this.unbuddied.reduce((s, l) => s + l.length, this.buddied.length);
  }

  checkInvariants(): string | null {
    if (this.listedPages() !== this.pages) return `zbud holds ${this.pages} pages but its lists hold ${this.listedPages()}`;
    if (this.withLru && this.lru.length !== this.pages) return `zbud holds ${this.pages} pages but its LRU ${this.lru.length}`;
    if (this.byId.size !== this.pages) return `zbud holds ${this.pages} pages but knows ${this.byId.size}`;
    return null;
  }

  /** Puts a page with at least one object on unbuddied[free] or buddied. */
  private relist(zpage: ZbudPage): void {
    if (zpage.firstChunks === 0 || zpage.lastChunks === 0) this.unbuddied[zpage.freeChunks].addHead(zpage.buddy);
    else this.buddied.addHead(zpage.buddy);
  }

  private freePage(zpage: ZbudPage): void {
    this.byId.delete(zpage.id);
    this.pages--;
  }
}
