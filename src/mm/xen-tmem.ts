/*
 * Xen tmem as a frontswap and cleancache backend: the guest's
 * drivers/xen/tmem.c (3.0–5.2) calling the hypervisor's tmem (Xen 4.2/4.3
 * xen/common/tmem.c), as SPEC §13.2 and kernel-notes-tmem §2 describe it.
 *
 * Pages live in the hypervisor, never in guest frames. Frontswap's pages go
 * to one persistent pool, charged to the domain: a put needs tot_pages
 * (RAM + persistent pages) below max_pages. Cleancache's pages go to one
 * ephemeral pool per filesystem, held in free host memory: evictable, the
 * page put earliest first, whenever host memory runs below 1 MiB before a
 * put. Pages are stored whole: Xen's compression, dedup and trailing-zero
 * elimination are off by default and not modelled.
 *
 * The tmem ABI on a duplicate put, which Xen follows exactly: free the old
 * page, then allocate the new one; success replaces (dup_puts_replaced),
 * failure deletes the entry and fails (dup_puts_flushed). Persistent gets
 * are not exclusive; private ephemeral gets are.
 *
 * Keys as the guest makes them: frontswap's object is (type << 4) |
 * (offset & 15), so swapoff flushes 16 objects; cleancache's object is the
 * inode. At most 16 pools per domain, frontswap's included. Counters are
 * `xl tmem-list`'s, summed over the pools. Left out: shared pools,
 * frozen clients, live migration, weights, the hypervisor's other guests.
 */
import type { Content } from './content.js';
import type { BackendLoaded } from './frontswap.js';
import { Link, List } from './list.js';
import type { CleancacheOps, TmemBackend, XenConfig } from './tmem.js';

/** tmem_ensure_avail_pages: ephemeral pages are evicted until this many host pages are free (1 MiB). */
const AVAIL_TARGET = 256;
const MAX_POOLS = 16;
/** Frontswap's object swizzle (drivers/xen/tmem.c SWIZ_BITS). */
const SWIZ_BITS = 4;

export interface XenTmemStats {
  puts: number;
  good_puts: number;
  no_mem_puts: number;
  dup_puts_replaced: number;
  dup_puts_flushed: number;
  gets: number;
  found_gets: number;
  flushs: number;
  flushs_found: number;
  flush_objs: number;
  flush_objs_found: number;
  evicted_pgs: number;
}

/** One page held: its key, and (ephemeral) its place in the eviction order. */
class Pgp {
  readonly order: Link<Pgp> = new Link<Pgp>(this);
  constructor(
    readonly pool: number,
    readonly obj: number,
    readonly index: number,
    public content: Content,
  ) {}
}

class Pool {
  /** object → index → page */
  readonly objects = new Map<number, Map<number, Pgp>>();
  constructor(
    readonly id: number,
    readonly persistent: boolean,
  ) {}
}

export class XenTmem implements TmemBackend {
  readonly name = 'xen-tmem' as const;
  readonly stats: XenTmemStats = {
    puts: 0,
    good_puts: 0,
    no_mem_puts: 0,
    dup_puts_replaced: 0,
    dup_puts_flushed: 0,
    gets: 0,
    found_gets: 0,
    flushs: 0,
    flushs_found: 0,
    flush_objs: 0,
    flush_objs_found: 0,
    evicted_pgs: 0,
  };
  /** P and E: persistent and ephemeral pages held. */
  persistentPages = 0;
  ephemeralPages = 0;
  private readonly pools: (Pool | null)[] = [];
  /** frontswap's pool, made at the first swapon. */
  private frontswapPool: Pool | null = null;
  /** Ephemeral pages, put earliest at the head (eviction order). */
  private readonly ephemeral = new List<Pgp>();

  constructor(
    private readonly config: XenConfig,
    /** The domain's RAM: tot_pages = RAM + persistent pages. */
    private readonly ramPages: number,
  ) {}

  /** H: host pages free for tmem. */
  private get hostFree(): number {
    return this.config.hostFreePages - this.persistentPages - this.ephemeralPages;
  }

  get totPages(): number {
    return this.ramPages + this.persistentPages;
  }

  private newPool(persistent: boolean): Pool | null {
    if (this.pools.filter((p) => p !== null).length >= MAX_POOLS) return null;
    const pool = new Pool(this.pools.length, persistent);
    this.pools.push(pool);
    return pool;
  }

  // ---- the hypercalls ----------------------------------------------------

  /** TMEM_PUT_PAGE: true on success. */
  private put(pool: Pool, obj: number, index: number, content: Content): boolean {
    this.stats.puts++;
    // 1. tmem_ensure_avail_pages
    while (this.hostFree < AVAIL_TARGET && this.ephemeralPages > 0) {
      this.freePgp(this.ephemeral.head()!);
      this.stats.evicted_pgs++;
    }
    // 2. a duplicate: free the old page, then allocate
    const old = pool.objects.get(obj)?.get(index);
    if (old !== undefined) {
      this.releaseData(old);
      if (!this.canAllocate(pool)) {
        this.unlink(old);
        this.stats.dup_puts_flushed++;
        return false;
      }
      this.chargeData(old, content);
      this.stats.dup_puts_replaced++;
      this.stats.good_puts++;
      return true;
    }
    // 3. a new page
    if (!this.canAllocate(pool)) {
      this.stats.no_mem_puts++;
      return false;
    }
    const pgp = new Pgp(pool.id, obj, index, content);
    let o = pool.objects.get(obj);
    if (o === undefined) pool.objects.set(obj, (o = new Map()));
    o.set(index, pgp);
    this.charge(pgp);
    if (!pool.persistent) this.ephemeral.addTail(pgp.order);
    this.stats.good_puts++;
    return true;
  }

  private canAllocate(pool: Pool): boolean {
    if (this.hostFree < 1) return false;
    return !pool.persistent || this.totPages < this.config.maxPages;
  }

  private charge(pgp: Pgp): void {
    if (this.isPersistent(pgp)) this.persistentPages++;
    else this.ephemeralPages++;
  }

  /** A duplicate's old data is freed (its page uncharged) and the entry keeps its place. */
  private releaseData(pgp: Pgp): void {
    if (this.isPersistent(pgp)) this.persistentPages--;
    else this.ephemeralPages--;
  }

  private chargeData(pgp: Pgp, content: Content): void {
    pgp.content = content;
    this.charge(pgp);
  }

  private isPersistent(pgp: Pgp): boolean {
    return this.pools[pgp.pool]!.persistent;
  }

  /** Removes an entry whose data is already uncharged. */
  private unlink(pgp: Pgp): void {
    const pool = this.pools[pgp.pool]!;
    const o = pool.objects.get(pgp.obj)!;
    o.delete(pgp.index);
    if (o.size === 0) pool.objects.delete(pgp.obj);
    if (!pool.persistent) this.ephemeral.remove(pgp.order);
  }

  private freePgp(pgp: Pgp): void {
    this.releaseData(pgp);
    this.unlink(pgp);
  }

  /** TMEM_GET_PAGE: a private ephemeral hit is removed, a persistent one stays. */
  private get(pool: Pool, obj: number, index: number): BackendLoaded | null {
    this.stats.gets++;
    const pgp = pool.objects.get(obj)?.get(index);
    if (pgp === undefined) return null;
    this.stats.found_gets++;
    const content = pgp.content;
    if (!pool.persistent) this.freePgp(pgp);
    return { content, block: null, freed: !pool.persistent };
  }

  /** TMEM_FLUSH_PAGE */
  private flushPage(pool: Pool, obj: number, index: number): void {
    this.stats.flushs++;
    const pgp = pool.objects.get(obj)?.get(index);
    if (pgp === undefined) return;
    this.stats.flushs_found++;
    this.freePgp(pgp);
  }

  /** TMEM_FLUSH_OBJECT */
  private flushObject(pool: Pool, obj: number): void {
    this.stats.flush_objs++;
    const o = pool.objects.get(obj);
    if (o === undefined) return;
    this.stats.flush_objs_found++;
    for (const pgp of [...o.values()]) this.freePgp(pgp);
  }

  /** TMEM_DESTROY_POOL */
  private destroyPool(pool: Pool): void {
    for (const o of [...pool.objects.values()]) for (const pgp of [...o.values()]) this.freePgp(pgp);
    this.pools[pool.id] = null;
  }

  // ---- frontswap ---------------------------------------------------------

  private static obj(type: number, offset: number): number {
    return (type << SWIZ_BITS) | (offset & ((1 << SWIZ_BITS) - 1));
  }

  init(): void {
    this.frontswapPool ??= this.newPool(true);
  }

  store(type: number, offset: number, content: Content): number {
    if (this.frontswapPool === null) return -1;
    return this.put(this.frontswapPool, XenTmem.obj(type, offset), offset >>> SWIZ_BITS, content) ? 0 : -1;
  }

  load(type: number, offset: number): BackendLoaded | null {
    if (this.frontswapPool === null) return null;
    return this.get(this.frontswapPool, XenTmem.obj(type, offset), offset >>> SWIZ_BITS);
  }

  peek(type: number, offset: number): BackendLoaded | null {
    const pgp = this.frontswapPool?.objects.get(XenTmem.obj(type, offset))?.get(offset >>> SWIZ_BITS);
    return pgp === undefined ? null : { content: pgp.content, block: null, freed: false };
  }

  holds(type: number, offset: number): boolean {
    return this.peek(type, offset) !== null;
  }

  invalidatePage(type: number, offset: number): void {
    if (this.frontswapPool !== null) this.flushPage(this.frontswapPool, XenTmem.obj(type, offset), offset >>> SWIZ_BITS);
  }

  /** tmem_frontswap_flush_area: one FLUSH_OBJECT per swizzled object of the type. */
  invalidateArea(type: number): void {
    if (this.frontswapPool === null) return;
    for (let ind = (1 << SWIZ_BITS) - 1; ind >= 0; ind--) this.flushObject(this.frontswapPool, (type << SWIZ_BITS) | ind);
  }

  // ---- cleancache --------------------------------------------------------

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

  // ---- the machine's questions --------------------------------------------

  guestFrames(): number {
    return 0;
  }

  poolPages(): number {
    return this.persistentPages + this.ephemeralPages;
  }

  bytesStored(): number {
    return 4096 * this.poolPages();
  }

  afterReclaim(): void {}

  afterRecord(): void {}

  *storedSlots(): Iterable<[number, number]> {
    if (this.frontswapPool === null) return;
    for (const [obj, o] of this.frontswapPool.objects) {
      for (const index of o.keys()) yield [obj >>> SWIZ_BITS, (index << SWIZ_BITS) | (obj & ((1 << SWIZ_BITS) - 1))];
    }
  }

  report(): Record<string, unknown> {
    return { ...this.stats, pgp_count: this.persistentPages, eph_count: this.ephemeralPages, tot_pages: this.totPages, max_pages: this.config.maxPages };
  }

  checkInvariants(): string | null {
    let p = 0;
    let e = 0;
    for (const pool of this.pools) {
      if (pool === null) continue;
      for (const o of pool.objects.values()) {
        if (o.size === 0) return `xen-tmem: an empty object is kept in pool ${pool.id}`;
        if (pool.persistent) p += o.size;
        else e += o.size;
      }
    }
    if (p !== this.persistentPages || e !== this.ephemeralPages) return `xen-tmem: P ${this.persistentPages}, E ${this.ephemeralPages} but the pools hold ${p}, ${e}`;
    if (this.ephemeral.length !== e) return `xen-tmem: ${this.ephemeral.length} ephemeral pages in the eviction order, ${e} held`;
    if (this.hostFree < 0) return `xen-tmem: host memory over-committed (${this.hostFree})`;
    return null;
  }
}
