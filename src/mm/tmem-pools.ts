/*
 * What every tmem backend has in common (drivers/xen/tmem.c, staging
 * zcache's tmem.c): pools of objects of pages, keyed (pool, object, index),
 * at most 16 pools per client, and the two frontends' keys —
 *   frontswap: one persistent pool made at the first swapon; a slot's
 *              object is (type << SWIZ_BITS) | (offset & mask) and its
 *              index offset >> SWIZ_BITS, so swapoff flushes 2^SWIZ_BITS
 *              objects (Xen 4 bits, zcache 8)
 *   cleancache: an ephemeral pool per mounted filesystem, the inode as the
 *              object and the page index as the index
 * A backend extends TmemPools with its own put, get and flushes; this
 * class maps frontswap's and cleancache's calls onto them.
 */
import type { Content } from './content.js';
import type { BackendLoaded } from './frontswap.js';
import type { CleancacheOps } from './tmem.js';

const MAX_POOLS = 16;

/** An entry's key. */
export interface TmemKey {
  readonly pool: number;
  readonly obj: number;
  readonly index: number;
}

export class TmemPool<E extends TmemKey> {
  /** object → index → entry */
  readonly objects = new Map<number, Map<number, E>>();
  constructor(
    readonly id: number,
    readonly persistent: boolean,
  ) {}
}

export abstract class TmemPools<E extends TmemKey> {
  protected readonly pools: (TmemPool<E> | null)[] = [];
  protected frontswapPool: TmemPool<E> | null = null;

  constructor(private readonly swizBits: number) {}

  // ---- what a backend does -------------------------------------------------

  /** TMEM_PUT_PAGE: true on success. */
  protected abstract put(pool: TmemPool<E>, obj: number, index: number, content: Content): boolean;
  /** TMEM_GET_PAGE: a hit, or null. */
  protected abstract get(pool: TmemPool<E>, obj: number, index: number): BackendLoaded | null;
  /** TMEM_FLUSH_PAGE */
  protected abstract flushPage(pool: TmemPool<E>, obj: number, index: number): void;
  /** TMEM_FLUSH_OBJECT */
  protected abstract flushObject(pool: TmemPool<E>, obj: number): void;
  /** Frees one entry (for destroying a pool). */
  protected abstract freeEntry(e: E): void;
  /** What a get of the entry would return, changing nothing; null when it cannot be reached. */
  protected abstract peekEntry(e: E): BackendLoaded | null;

  // ---- pools and entries -------------------------------------------------------

  protected newPool(persistent: boolean): TmemPool<E> | null {
    if (this.pools.filter((p) => p !== null).length >= MAX_POOLS) return null;
    const pool = new TmemPool<E>(this.pools.length, persistent);
    this.pools.push(pool);
    return pool;
  }

  protected lookup(pool: TmemPool<E>, obj: number, index: number): E | undefined {
    return pool.objects.get(obj)?.get(index);
  }

  protected link(pool: TmemPool<E>, e: E): void {
    let o = pool.objects.get(e.obj);
    if (o === undefined) pool.objects.set(e.obj, (o = new Map()));
    o.set(e.index, e);
  }

  /** Forgets an entry (if it is still the one at its key). */
  protected unlinkEntry(e: E): void {
    const o = this.pools[e.pool]?.objects.get(e.obj);
    if (o?.get(e.index) !== e) return;
    o.delete(e.index);
    if (o.size === 0) this.pools[e.pool]!.objects.delete(e.obj);
  }

  /** Every entry of a pool or object, as a list that survives the entries' freeing. */
  protected entriesOf(pool: TmemPool<E>, obj?: number): E[] {
    const objects = obj === undefined ? [...pool.objects.values()] : [pool.objects.get(obj) ?? new Map<number, E>()];
    return objects.flatMap((o) => [...o.values()]);
  }

  /** TMEM_DESTROY_POOL */
  protected destroyPool(pool: TmemPool<E>): void {
    for (const e of this.entriesOf(pool)) this.freeEntry(e);
    this.pools[pool.id] = null;
  }

  // ---- frontswap ---------------------------------------------------------------

  private key(type: number, offset: number): [number, number] {
    return [(type << this.swizBits) | (offset & ((1 << this.swizBits) - 1)), offset >>> this.swizBits];
  }

  private entryAt(type: number, offset: number): E | undefined {
    return this.frontswapPool === null ? undefined : this.lookup(this.frontswapPool, ...this.key(type, offset));
  }

  init(): void {
    this.frontswapPool ??= this.newPool(true);
  }

  store(type: number, offset: number, content: Content): number {
    if (this.frontswapPool === null) return -1;
    return this.put(this.frontswapPool, ...this.key(type, offset), content) ? 0 : -1;
  }

  load(type: number, offset: number): BackendLoaded | null {
    return this.frontswapPool === null ? null : this.get(this.frontswapPool, ...this.key(type, offset));
  }

  peek(type: number, offset: number): BackendLoaded | null {
    const e = this.entryAt(type, offset);
    return e === undefined ? null : this.peekEntry(e);
  }

  holds(type: number, offset: number): boolean {
    return this.entryAt(type, offset) !== undefined;
  }

  invalidatePage(type: number, offset: number): void {
    if (this.frontswapPool !== null) this.flushPage(this.frontswapPool, ...this.key(type, offset));
  }

  /** frontswap_invalidate_area: one FLUSH_OBJECT per swizzled object of the type. */
  invalidateArea(type: number): void {
    if (this.frontswapPool === null) return;
    for (let ind = (1 << this.swizBits) - 1; ind >= 0; ind--) this.flushObject(this.frontswapPool, (type << this.swizBits) | ind);
  }

  *storedSlots(): Iterable<[number, number]> {
    if (this.frontswapPool === null) return;
    const mask = (1 << this.swizBits) - 1;
    for (const [obj, o] of this.frontswapPool.objects) {
      for (const index of o.keys()) yield [obj >>> this.swizBits, (index << this.swizBits) | (obj & mask)];
    }
  }

  // ---- cleancache --------------------------------------------------------------

  readonly cleancache: CleancacheOps = {
    initFs: () => this.newPool(false)?.id ?? -1,
    getPage: (pool, ino, idx) => (this.pools[pool] ? this.get(this.pools[pool]!, ino, idx) : null),
    putPage: (pool, ino, idx, content) => {
      if (this.pools[pool]) this.put(this.pools[pool]!, ino, idx, content);
    },
    invalidatePage: (pool, ino, idx) => {
      if (this.pools[pool]) this.flushPage(this.pools[pool]!, ino, idx);
    },
    invalidateInode: (pool, ino) => {
      if (this.pools[pool]) this.flushObject(this.pools[pool]!, ino);
    },
    invalidateFs: (pool) => {
      if (this.pools[pool]) this.destroyPool(this.pools[pool]!);
    },
  };
}
