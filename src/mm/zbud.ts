/*
 * zbud: mm/zbud.c (kernel-notes §3, SPEC §7).
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
 * that fits (smallest fitting hole, newest page). Every allocation moves its
 * page to the head of the pool LRU; `reclaimPage` evicts from its tail
 * through the owner's `evict` callback (zswap's writeback).
 *
 * Handles are opaque numbers, as the kernel's are virtual addresses: here,
 * frame × 4096 + the object's offset in its page. The object's bytes live in
 * a real 4096-byte frame taken from the page allocator, which charges RAM
 * when the pool lives in RAM. Left out: HIGHMEM, locking, the zpool
 * map/unmap (a no-op for zbud).
 */
import { PAGE_SIZE } from '../page.js';
import { Link, List } from './list.js';
import type { PageSlab } from './slab.js';

export const CHUNK_SHIFT = 6;
export const CHUNK_SIZE = 1 << CHUNK_SHIFT;
export const ZHDR_SIZE_ALIGNED = CHUNK_SIZE;
/** Usable chunks per page: (PAGE_SIZE − header) / CHUNK_SIZE. */
export const NCHUNKS = (PAGE_SIZE - ZHDR_SIZE_ALIGNED) >> CHUNK_SHIFT;
/** The largest object zbud accepts: PAGE_SIZE − 2 × 64 = 3968 bytes. */
export const ZBUD_MAX_SIZE = PAGE_SIZE - ZHDR_SIZE_ALIGNED - CHUNK_SIZE;

export const EINVAL = -22;
export const ENOSPC = -28;
export const ENOMEM = -12;
export const EAGAIN = -11;
export const EEXIST = -17;

export function sizeToChunks(size: number): number {
  return (size + CHUNK_SIZE - 1) >> CHUNK_SHIFT;
}

/** Where pool pages come from: a frame index, or -1 when no frame is free. */
export interface PageAllocator {
  allocPoolPage(): number;
  freePoolPage(frame: number): void;
}

/** zbud_ops: the owner's eviction callback; 0 means the object was freed. */
export interface ZbudOps {
  evict(handle: number): number;
}

export class ZbudPage {
  firstChunks = 0;
  lastChunks = 0;
  underReclaim = false;
  readonly buddy = new Link<ZbudPage>(this);
  readonly lru = new Link<ZbudPage>(this);
  constructor(readonly frame: number) {}

  get freeChunks(): number {
    return NCHUNKS - this.firstChunks - this.lastChunks;
  }
}

export type Bud = 'first' | 'last';

export class ZbudPool {
  /** unbuddied[i]: pages with one free side of i free chunks. */
  readonly unbuddied: List<ZbudPage>[] = Array.from({ length: NCHUNKS }, () => new List<ZbudPage>());
  readonly buddied = new List<ZbudPage>();
  readonly lru = new List<ZbudPage>();
  /** pages_nr */
  pages = 0;
  /** Successful allocations by size in chunks (index 1–62), for the report's distributions. */
  readonly allocChunks = new Float64Array(NCHUNKS);
  private readonly byFrame = new Map<number, ZbudPage>();

  constructor(
    private readonly slab: PageSlab,
    private readonly allocator: PageAllocator,
    private readonly ops: ZbudOps,
  ) {}

  /** zpool total_size: pages × PAGE_SIZE. */
  get totalSize(): number {
    return this.pages * PAGE_SIZE;
  }

  /** zbud_alloc: a handle (> 0), or EINVAL, ENOSPC (too big) or ENOMEM (no frame). */
  alloc(size: number): number {
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
      const frame = this.allocator.allocPoolPage();
      if (frame < 0) return ENOMEM;
      zpage = new ZbudPage(frame);
      this.byFrame.set(frame, zpage);
      this.pages++;
    }
    if (bud === 'first') zpage.firstChunks = chunks;
    else zpage.lastChunks = chunks;
    this.allocChunks[chunks]++;
    this.relist(zpage);
    if (zpage.lru.linked) this.lru.remove(zpage.lru);
    this.lru.addHead(zpage.lru);
    return this.encodeHandle(zpage, bud);
  }

  /** zbud_free */
  free(handle: number): void {
    const zpage = this.pageOf(handle);
    if (this.budOf(handle) === 'last') zpage.lastChunks = 0;
    else zpage.firstChunks = 0;
    if (zpage.underReclaim) return;
    zpage.buddy.unlink();
    if (zpage.firstChunks === 0 && zpage.lastChunks === 0) {
      this.lru.remove(zpage.lru);
      this.freePage(zpage);
    } else {
      this.unbuddied[zpage.freeChunks].addHead(zpage.buddy);
    }
  }

  /** zbud_reclaim_page: 0 when a page was freed, else EINVAL or EAGAIN. */
  reclaimPage(retries: number): number {
    if (this.lru.empty || retries === 0) return EINVAL;
    for (let i = 0; i < retries; i++) {
      const zpage = this.lru.tail()!;
      this.lru.remove(zpage.lru);
      zpage.buddy.unlink();
      zpage.underReclaim = true;
      const first = zpage.firstChunks ? this.encodeHandle(zpage, 'first') : 0;
      const last = zpage.lastChunks ? this.encodeHandle(zpage, 'last') : 0;
      if (first === 0 || this.ops.evict(first) === 0) {
        if (last !== 0) this.ops.evict(last);
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

  /** The object's bytes (zbud_map): `length` bytes at the handle. */
  map(handle: number, length: number): Uint8Array {
    const frame = Math.floor(handle / PAGE_SIZE);
    const off = handle % PAGE_SIZE;
    return this.slab.page(frame).subarray(off, off + length);
  }

  /** The page a handle lives in (for tests and invariant checks). */
  pageOf(handle: number): ZbudPage {
    return this.byFrame.get(Math.floor(handle / PAGE_SIZE))!;
  }

  budOf(handle: number): Bud {
    return handle % PAGE_SIZE === ZHDR_SIZE_ALIGNED ? 'first' : 'last';
  }

  /** Pages holding one object and pages holding two. */
  occupancy(): { one: number; two: number } {
    return { one: this.pages - this.buddied.length, two: this.buddied.length };
  }

  /** Pages on the unbuddied and buddied lists (excludes a page under reclaim). */
  listedPages(): number {
    return this.unbuddied.reduce((s, l) => s + l.length, this.buddied.length);
  }

  private encodeHandle(zpage: ZbudPage, bud: Bud): number {
    const base = zpage.frame * PAGE_SIZE;
    return bud === 'first' ? base + ZHDR_SIZE_ALIGNED : base + PAGE_SIZE - (zpage.lastChunks << CHUNK_SHIFT);
  }

  /** Puts a page with at least one object on unbuddied[free] or buddied. */
  private relist(zpage: ZbudPage): void {
    if (zpage.firstChunks === 0 || zpage.lastChunks === 0) this.unbuddied[zpage.freeChunks].addHead(zpage.buddy);
    else this.buddied.addHead(zpage.buddy);
  }

  private freePage(zpage: ZbudPage): void {
    this.byFrame.delete(zpage.frame);
    this.pages--;
    this.allocator.freePoolPage(zpage.frame);
  }
}
