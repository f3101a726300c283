/*
 * zcache: the staging compressed tmem backend, for frontswap (persistent
 * pages) and cleancache (ephemeral pages), in its two generations (SPEC
 * §13.3, kernel-notes-tmem §3):
 *   gen 1  drivers/staging/zcache, 2.6.39–3.8: a total cap on persistent
 *          zpages (75 % of RAM), and on a duplicate put the old zpage is
 *          freed *before* the new one is made — a failure flushes and fails,
 *          as the tmem ABI asks
 *   gen 2  zcache 2 (staging/ramster 3.7–3.8, staging/zcache 3.9–3.10): no
 *          cap, the new zpage made *first* — a failed duplicate put leaves
 *          the old copy in place (with 3.x frontswap, which clears the bit,
 *          an orphan: stale data a later writeback or get can surface);
 *          persistent puts may eat an ephemeral pageframe; exclusive gets
 *          on by default
 * Both keep their zpages in zcache 2's zbud (src/mm/pools/zcache-zbud.ts),
 * one per class. Every page really is compressed with the run's compressor
 * and every get really decompresses (verified by the machine).
 *
 * Keys as zcache makes them: frontswap's object is (type << 8) | (offset &
 * 255) and its index offset >> 8, so swapoff flushes 256 objects;
 * cleancache's object is the inode. At most 16 pools. Counters and gauges
 * carry debugfs zcache/'s names. Left out: frozen clients (put_to_flush
 * stays 0), PageWasActive filtering, writeback (BROKEN in the kernel).
 */
import { compressPage, type Codec } from '../compress/codec.js';
import { CompressorError, errorMessage } from '../errors.js';
import { CompressionStats } from './compression.js';
import type { Content } from './content.js';
import type { BackendLoaded } from './frontswap.js';
import { ZcacheZbud, type Pageframe } from './pools/zcache-zbud.js';
import type { TmemBackend, TmemHost } from './tmem.js';
import { TmemPools, type TmemKey, type TmemPool } from './tmem-pools.js';

/** zcache's frontswap object swizzle (SWIZ_BITS). */
const SWIZ_BITS = 8;
/** Persistent zpages over this are compress_poor (zbud_max_buddy_size for pers). */
const PERS_MAX_ZSIZE = 3584;
/** Ephemeral zpages over this are compress_poor (zbud_max_buddy_size). */
const EPH_MAX_ZSIZE = 4000;
/** The mean test: a zpage over this while the mean is over it too. */
const MEAN_LIMIT = 2560;
/** Gen 1's cap on persistent zpages, percent of RAM (zv_page_count_policy_percent). */
const GEN1_PERS_PERCENT = 75;

export interface ZcacheStats {
  failed_eph_puts: number;
  failed_pers_puts: number;
  failed_get_free_pages: number;
  put_to_flush: number;
  compress_poor: number;
  mean_compress_poor: number;
  eph_ate_tail: number;
  eph_ate_tail_failed: number;
  pers_ate_eph: number;
  pers_ate_eph_failed: number;
  evicted_eph_zpages: number;
  evicted_eph_pageframes: number;
  flush_total: number;
  flush_found: number;
  flobj_total: number;
  flobj_found: number;
}

type Class = 'eph' | 'pers';

/** A zpage held: where it lives (local: a bud; ramster: a peer), and what it was made from. */
export class ZEntry implements TmemKey {
  frame: Pageframe<ZEntry> | null = null;
  bud: 0 | 1 = 0;
  /** On a peer (ramster): its node. */
  remoteNode: number | null = null;
  constructor(
    readonly pool: number,
    readonly obj: number,
    readonly index: number,
    readonly cls: Class,
    readonly zsize: number,
    readonly block: Uint8Array,
    readonly content: Content,
  ) {}
}

/** A zcache pool: tmem's, of zcache entries. */
export type ZPool = TmemPool<ZEntry>;

export class Zcache extends TmemPools<ZEntry> implements TmemBackend {
  readonly name: 'zcache' | 'ramster' = 'zcache';
  readonly stats: ZcacheStats = {
    failed_eph_puts: 0,
    failed_pers_puts: 0,
    failed_get_free_pages: 0,
    put_to_flush: 0,
    compress_poor: 0,
    mean_compress_poor: 0,
    eph_ate_tail: 0,
    eph_ate_tail_failed: 0,
    pers_ate_eph: 0,
    pers_ate_eph_failed: 0,
    evicted_eph_zpages: 0,
    evicted_eph_pageframes: 0,
    flush_total: 0,
    flush_found: 0,
    flobj_total: 0,
    flobj_found: 0,
  };
  readonly compression = new CompressionStats();
  protected readonly zbud: Record<Class, ZcacheZbud<ZEntry>> = { eph: new ZcacheZbud(), pers: new ZcacheZbud() };

  constructor(
    readonly gen: 1 | 2,
    protected readonly codec: Codec,
    protected readonly host: TmemHost,
    protected readonly ramPages: number,
    /** frontswap_tmem_exclusive_gets: a persistent get frees its zpage (gen 2 only). */
    protected readonly exclusiveGets: boolean,
  ) {
    super(SWIZ_BITS);
  }

  // ---- entries -------------------------------------------------------------

  /** Frees an entry's zpage (local) or its remote copy (ramster), and forgets it. */
  protected freeEntry(e: ZEntry): void {
    this.unlinkEntry(e);
    if (e.frame !== null) {
      this.zbud[e.cls].free(e.frame, e.bud);
      e.frame = null;
    } else if (e.remoteNode !== null) this.freeRemote(e);
  }

  /** ramster: a remote copy freed (a flush queued). */
  protected freeRemote(_e: ZEntry): void {}

  // ---- the zbud, and pageframes ----------------------------------------------

  /** zcache_evict_eph_pageframe: the LRU-end ephemeral pageframe and its zpages go; true if there was one. */
  protected evictEphPageframe(): boolean {
    const frame = this.zbud.eph.lruEnd();
    if (frame === null) return false;
    for (const b of [...frame.buds]) if (b !== null) this.freeEntry(b.entry);
    this.stats.evicted_eph_pageframes++;
    this.stats.evicted_eph_zpages++; // once per pageframe, as the kernel counts it
    return true;
  }

  /**
   * Places a zpage: a matching half-full pageframe, else a new one (a free
   * frame), else — when `eat` says so — an evicted ephemeral pageframe's.
   */
  protected place(e: ZEntry, eat: 'pers' | 'eph' | null): boolean {
    const zbud = this.zbud[e.cls];
    let at = zbud.match(e, e.zsize);
    if (at === null) {
      if (!this.host.frameFree()) {
        this.stats.failed_get_free_pages++;
        if (eat === null) return false;
        if (!this.evictEphPageframe()) {
          if (eat === 'pers') this.stats.pers_ate_eph_failed++;
          else this.stats.eph_ate_tail_failed++;
          return false;
        }
        if (eat === 'pers') this.stats.pers_ate_eph++;
        else this.stats.eph_ate_tail++;
      }
      at = zbud.create(e, e.zsize);
    }
    e.frame = at.frame;
    e.bud = at.bud;
    return true;
  }

  private compress(content: Content): Uint8Array {
    let c;
    try {
      c = compressPage(this.codec, content.bytes);
    } catch (err) {
      throw new CompressorError(`compressor ${this.codec.name} (zcache) failed: ${errorMessage(err)}`);
    }
    this.compression.recordCompress(c.block.length, c.fits, c.ns);
    return c.block;
  }

  /**
   * A put of either class (zcache_put_page): the duplicate rule of the
   * generation, then the class's create. True on success.
   */
  protected put(pool: ZPool, obj: number, index: number, content: Content): boolean {
    const cls: Class = pool.persistent ? 'pers' : 'eph';
    const old = this.lookup(pool, obj, index);
    // gen 1 frees the old copy before it tries the new one
    if (old !== undefined && this.gen === 1) this.freeEntry(old);
    const e = this.create(pool, obj, index, cls, content);
    if (e === null) {
      if (cls === 'pers') this.stats.failed_pers_puts++;
      else this.stats.failed_eph_puts++;
      return false; // gen 2: the old copy, if any, stays
    }
    const still = this.lookup(pool, obj, index);
    if (still !== undefined) this.freeEntry(still); // gen 2 replaces it only now
    this.link(pool, e);
    return true;
  }

  /** zcache_pampd_{pers,eph}_create: the zpage placed, or null (the counter of the reason moved). */
  private create(pool: ZPool, obj: number, index: number, cls: Class, content: Content): ZEntry | null {
    const pers = this.zbud.pers;
    if (cls === 'pers' && this.gen === 1 && pers.zpages > Math.floor((GEN1_PERS_PERCENT * this.ramPages) / 100)) return null;
    const block = this.compress(content);
    const zsize = block.length;
    if (zsize > (cls === 'pers' ? PERS_MAX_ZSIZE : EPH_MAX_ZSIZE)) {
      this.stats.compress_poor++;
      return null;
    }
    if (cls === 'pers' && zsize > MEAN_LIMIT && pers.zpages > 0 && Math.floor(pers.zbytes / pers.zpages) > MEAN_LIMIT) {
      this.stats.mean_compress_poor++;
      return null;
    }
    const e = new ZEntry(pool.id, obj, index, cls, zsize, block, content);
    const eat = cls === 'eph' ? 'eph' : this.gen === 2 ? 'pers' : null;
    return this.place(e, eat) ? e : null;
  }

  /** zcache_get_page: a hit; an ephemeral zpage always goes, a persistent one under exclusive gets (gen 2). */
  protected get(pool: ZPool, obj: number, index: number): BackendLoaded | null {
    const e = this.lookup(pool, obj, index);
    if (e === undefined) return null;
    return this.getEntry(e);
  }

  protected getEntry(e: ZEntry): BackendLoaded | null {
    const free = e.cls === 'eph' || (this.gen === 2 && this.exclusiveGets);
    if (free) this.freeEntry(e);
    return { content: e.content, block: e.block, freed: free };
  }

  protected flushPage(pool: ZPool, obj: number, index: number): void {
    this.stats.flush_total++;
    const e = this.lookup(pool, obj, index);
    if (e === undefined) return;
    this.stats.flush_found++;
    this.freeEntry(e);
  }

  protected flushObject(pool: ZPool, obj: number): void {
    this.stats.flobj_total++;
    if (!pool.objects.has(obj)) return;
    this.stats.flobj_found++;
    for (const e of this.entriesOf(pool, obj)) this.freeEntry(e);
  }

  /** The final check's look: a reachable entry's zpage. */
  protected peekEntry(e: ZEntry): BackendLoaded | null {
    return this.reachable(e) ? { content: e.content, block: e.block, freed: false } : null;
  }

  /** Can a get reach the entry's zpage? (Local: yes; ramster overrides for remote ones.) */
  protected reachable(_e: ZEntry): boolean {
    return true;
  }

  // ---- the machine's questions -----------------------------------------------------

  guestFrames(): number {
    return this.zbud.eph.pageframes + this.zbud.pers.pageframes;
  }

  poolPages(): number {
    return this.guestFrames();
  }

  bytesStored(): number {
    const z = this.zbud;
    return z.eph.zbytes + z.pers.zbytes + 32 * (z.eph.zpages + z.pers.zpages);
  }

  /** shrink_zcache_memory after a reclaim batch: ephemeral pageframes down to the page cache's size [SPEC choice]. */
  afterReclaim(cachedFilePages: number): void {
    while (this.zbud.eph.pageframes > cachedFilePages && this.evictEphPageframe());
  }

  afterRecord(): void {}

  /** debugfs zcache/: the counters, then each class's gauges with their peaks. */
  report(): Record<string, unknown> {
    const out: Record<string, number> = { ...this.stats };
    for (const gauge of ['pageframes', 'zpages', 'zbytes'] as const) {
      for (const cls of ['eph', 'pers'] as const) {
        out[`${cls}_${gauge}`] = this.zbud[cls][gauge];
        out[`${cls}_${gauge}_max`] = this.zbud[cls][`${gauge}Max`];
      }
    }
    return out;
  }

  checkInvariants(): string | null {
    for (const cls of ['eph', 'pers'] as const) {
      const bad = this.zbud[cls].checkInvariants();
      if (bad !== null) return `${cls}: ${bad}`;
    }
    let local = 0;
    for (const pool of this.pools) {
      if (pool === null) continue;
      for (const o of pool.objects.values()) {
        if (o.size === 0) return 'zcache: an empty object is kept';
        for (const e of o.values()) {
          if (e.frame !== null) {
            local++;
            if (e.frame.buds[e.bud]?.entry !== e) return `zcache: entry (${e.obj}, ${e.index}) is not in its bud`;
          } else if (e.remoteNode === null) return `zcache: entry (${e.obj}, ${e.index}) is neither local nor remote`;
        }
      }
    }
    const held = this.zbud.eph.zpages + this.zbud.pers.zpages;
    if (local !== held) return `zcache: ${local} local entries, the zbuds hold ${held} zpages`;
    return null;
  }
}
