/*
 * The transcendent-memory (tmem) family behind frontswap and cleancache
 * (SPEC §13, kernel-notes-tmem): the configuration of a backend other than
 * zswap, and the interface every such backend offers — frontswap's ops
 * (src/mm/frontswap.ts) for swap pages, cleancache's ops for clean file
 * pages, and what the machine asks of it between records (its frames in
 * guest RAM, the shrinker, its report).
 *
 * The backends are modules of their own: src/mm/xen-tmem.ts
 * (drivers/xen/tmem.c and Xen's tmem), src/mm/zcache.ts (staging zcache,
 * both generations) and src/mm/ramster.ts (staging ramster on zcache 2).
 */
import type { Content } from './content.js';
import type { BackendLoaded, FrontswapOps } from './frontswap.js';

export const BACKENDS = ['zswap', 'xen-tmem', 'zcache', 'ramster'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface XenConfig {
  /** The domain's max_pages. */
  maxPages: number;
  /** Host pages free for tmem. */
  hostFreePages: number;
}

export interface RamsterPeer {
  node: number;
  /** Bytes of zpages (Σ zsize) the peer holds for us at most. */
  size: number;
  /** Down once this many records other than `d` are done; null: always up. */
  downAt: number | null;
}

export interface RamsterConfig {
  peers: RamsterPeer[];
  target: number;
  persRemotify: boolean;
  ephRemotify: boolean;
  rttUs: number;
}

export interface SelfshrinkConfig {
  /** Seconds of trace time between ticks (selfballoon_interval). */
  interval: number;
  hysteresis: number;
  inertia: number;
}

export interface TmemConfig {
  backend: BackendName;
  xen: XenConfig | null;
  zcacheGen: 1 | 2 | null;
  ramster: RamsterConfig | null;
  selfshrink: SelfshrinkConfig | null;
  /** Trace time (§13.7): records other than `d` per second. */
  recordsPerSecond: number;
}

/** A cleancache key's file: (pool, inode). */
export interface CleancacheOps {
  /** init_fs: a pool id, or −1 when the backend has none left (every hook is then a no-op). */
  initFs(): number;
  /** get: a hit returns the copy (a private pool drops it). */
  getPage(pool: number, ino: number, idx: number): BackendLoaded | null;
  /** put: a clean page's copy; the result is not reported. */
  putPage(pool: number, ino: number, idx: number, content: Content): void;
  invalidatePage(pool: number, ino: number, idx: number): void;
  invalidateInode(pool: number, ino: number): void;
  invalidateFs(pool: number): void;
}

/** The hooks a tmem backend needs from the machine. */
export interface TmemHost {
  /** A guest frame is free for a new pageframe (zcache_alloc_page). */
  frameFree(): boolean;
  /** Trace time is this many records (other than `d`) on. */
  readonly recordsDone: number;
}

export interface TmemBackend extends FrontswapOps {
  readonly name: Exclude<BackendName, 'zswap'>;
  readonly cleancache: CleancacheOps;
  /** Guest frames the backend's pageframes take (zcache, ramster); 0 for xen-tmem. */
  guestFrames(): number;
  /** Pages and bytes the backend holds (SPEC §11: pool.pages, pool.bytes_stored). */
  poolPages(): number;
  bytesStored(): number;
  /** After each reclaim batch: the backend's shrinker, given the page cache's size. */
  afterReclaim(cachedFilePages: number): void;
  /** Work due at trace time (ramster's remotify pass), after each record. */
  afterRecord(): void;
  /** What a load of the slot would return, changing nothing (the final check); null: a miss. */
  peek(type: number, offset: number): BackendLoaded | null;
  /** Holds an entry for the slot (local or remote, reachable or not). */
  holds(type: number, offset: number): boolean;
  /** Swap slots it holds an entry for (frontswap's persistent pool): for orphans. */
  storedSlots(): Iterable<[number, number]>;
  /** Its part of the report, under the backend's own key. */
  report(): Record<string, unknown>;
  checkInvariants(): string | null;
}
