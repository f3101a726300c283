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
import type { TmemBackend, XenConfig } from './tmem.js';
import { TmemPools, type TmemKey, type TmemPool } from './tmem-pools.js';

/** tmem_ensure_avail_pages: ephemeral pages are evicted until this many host pages are free (1 MiB). */
const AVAIL_TARGET = 256;
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
class Pgp implements TmemKey {
  readonly order: Link<Pgp> = new Link<Pgp>(this);
  constructor(
    readonly pool: number,
    readonly obj: number,
    readonly index: number,
    public content: Content,
  ) {}
}

export class XenTmem extends TmemPools<Pgp> implements TmemBackend {
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
  /** Ephemeral pages, put earliest at the head (eviction order). */
  private readonly ephemeral = new List<Pgp>();

  constructor(
    private readonly config: XenConfig,
    /** The domain's RAM: tot_pages = RAM + persistent pages. */
    private readonly ramPages: number,
  ) {
    super(SWIZ_BITS);
  }

  /** H: host pages free for tmem. */
  private get hostFree(): number {
    return this.config.hostFreePages - this.persistentPages - this.ephemeralPages;
  }

  get totPages(): number {
    return this.ramPages + this.persistentPages;
  }

  // ---- the hypercalls ----------------------------------------------------

  protected put(pool: TmemPool<Pgp>, obj: number, index: number, content: Content): boolean {
    this.stats.puts++;
    // 1. tmem_ensure_avail_pages
    while (this.hostFree < AVAIL_TARGET && this.ephemeralPages > 0) {
      this.freeEntry(this.ephemeral.head()!);
      this.stats.evicted_pgs++;
    }
    // 2. a duplicate: free the old page, then allocate
    const old = this.lookup(pool, obj, index);
    if (old !== undefined) {
      this.releaseData(old);
      if (!this.canAllocate(pool)) {
        this.unlinkPgp(old);
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
    this.link(pool, pgp);
    this.charge(pgp);
    if (!pool.persistent) this.ephemeral.addTail(pgp.order);
    this.stats.good_puts++;
    return true;
  }

  private canAllocate(pool: TmemPool<Pgp>): boolean {
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
  private unlinkPgp(pgp: Pgp): void {
    this.unlinkEntry(pgp);
    if (pgp.order.linked) this.ephemeral.remove(pgp.order);
  }

  protected freeEntry(pgp: Pgp): void {
    this.releaseData(pgp);
    this.unlinkPgp(pgp);
  }

  /** A private ephemeral hit is removed, a persistent one stays. */
  protected get(pool: TmemPool<Pgp>, obj: number, index: number): BackendLoaded | null {
    this.stats.gets++;
    const pgp = this.lookup(pool, obj, index);
    if (pgp === undefined) return null;
    this.stats.found_gets++;
    const content = pgp.content;
    if (!pool.persistent) this.freeEntry(pgp);
    return { content, block: null, freed: !pool.persistent };
  }

  protected peekEntry(pgp: Pgp): BackendLoaded {
    return { content: pgp.content, block: null, freed: false };
  }

  protected flushPage(pool: TmemPool<Pgp>, obj: number, index: number): void {
    this.stats.flushs++;
    const pgp = this.lookup(pool, obj, index);
    if (pgp === undefined) return;
    this.stats.flushs_found++;
    this.freeEntry(pgp);
  }

  protected flushObject(pool: TmemPool<Pgp>, obj: number): void {
    this.stats.flush_objs++;
    if (!pool.objects.has(obj)) return;
    this.stats.flush_objs_found++;
    for (const pgp of this.entriesOf(pool, obj)) this.freeEntry(pgp);
  }

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
