/*
 * The zpool interface (mm/zpool.c, 3.18–6.17): what zswap asks of a
 * compressed-page allocator, whichever it is. zswap never knows which pool
 * it talks to; each allocator models its kernel file's placement exactly,
 * and all of them are size models: they decide where an object of `size`
 * bytes goes and how many page frames that takes, while the bytes
 * themselves stay with zswap's entry (the real compressed block).
 *
 *   malloc(size)  a handle (> 0), or ENOSPC (too big: reject_compress_poor)
 *                 or ENOMEM (no frame for a new page: reject_alloc_fail)
 *   free(handle)
 *   shrink()      zpool_shrink(pool, 1): reclaim one page through the owner's
 *                 evict callback (zbud, z3fold); EINVAL where the driver
 *                 has none (zsmalloc)
 *   pages         pages held: zbud/z3fold pages_nr, zsmalloc pages_allocated
 *   endCall()     the end of a zswap call: work the allocator deferred to
 *                 then runs (z3fold's compaction)
 *
 * Page frames are counted by the machine, not filled: an allocator asks
 * `frameFree()` before taking a new page, or (zsmalloc, allocating under
 * PF_MEMALLOC) takes its pages regardless.
 */

export const EINVAL = -22;
export const ENOSPC = -28;
export const ENOMEM = -12;
export const EAGAIN = -11;
export const EEXIST = -17;

export type ZpoolName = 'zbud' | 'z3fold' | 'zsmalloc';
export const ZPOOLS: readonly ZpoolName[] = ['zbud', 'z3fold', 'zsmalloc'];

/** Where a pool's pages come from: is a frame free for one more page? */
export interface FrameSource {
  frameFree(): boolean;
}

/** The owner's eviction callback (zswap's writeback): 0 when the object was written back and freed. */
export type EvictFn = (handle: number) => number;

/** What an allocator reports about where its objects went, for the report's distributions. */
export interface PoolDistribution {
  /** zbud, z3fold: successful allocations by size in 64-byte chunks; zsmalloc: by class size in bytes. */
  object_sizes: Record<string, number>;
  /** zbud, z3fold: pages by the objects they hold now ("1", "2", "3", "headless"); zsmalloc: objects held now per class size. */
  occupancy: Record<string, number>;
}

export interface Zpool {
  readonly name: ZpoolName;
  /** zpool_evictable: the driver can write objects back (zbud, z3fold before 6.5). */
  readonly evictable: boolean;
  /** Pages held now. */
  readonly pages: number;
  malloc(size: number): number;
  free(handle: number): void;
  shrink(): number;
  endCall(): void;
  distribution(): PoolDistribution;
  /** A broken internal invariant, described, or null. */
  checkInvariants(): string | null;
}
