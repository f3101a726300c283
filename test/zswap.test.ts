import { describe, expect, it } from 'vitest';
import type { Codec } from '../src/compress/codec.js';
import { DuplicateStoreBug } from '../src/errors.js';
import { Content } from '../src/mm/content.js';
import type { ZbudPool } from '../src/mm/pools/zbud.js';
import { InProcessVerifier, type LoadSite } from '../src/mm/verify.js';
import { Zswap, type DuplicatePolicy, type LimitPolicy, type ZswapParams } from '../src/mm/zswap.js';
import { PAGE_SIZE, fillWord } from '../src/page.js';

/**
 * A codec whose output length is chosen by the page: the bytes up to the
 * last non-zero one (so a page with n leading non-zero bytes compresses to
 * n bytes), or 4100 bytes when the page starts with 0xEE (overflow).
 */
class TrimCodec implements Codec {
  readonly name = 'trim';
  compress(page: Uint8Array): Uint8Array {
    if (page[0] === 0xee) return new Uint8Array(4100);
    let n = PAGE_SIZE;
    while (n > 1 && page[n - 1] === 0) n--;
    return page.slice(0, n);
  }
  decompress(block: Uint8Array, dst: Uint8Array): void {
    dst.fill(0);
    dst.set(block.subarray(0, Math.min(block.length, PAGE_SIZE)));
  }
}

/** A page compressing to exactly `dlen` bytes under TrimCodec (distinct per tag). */
function pageOf(dlen: number, tag = 1): Content {
  const p = new Uint8Array(PAGE_SIZE);
  p.fill(tag, 0, dlen);
  p[0] = tag === 0xee ? 0xef : tag;
  return new Content(p);
}

interface Setup {
  ram?: number;
  max?: number;
  accept?: number;
  policy?: LimitPolicy;
  duplicate?: DuplicatePolicy;
  sameFilled?: boolean;
  frames?: number;
}

function make(s: Setup = {}) {
  const slots = new Map<string, number>(); // swap_map by "type:offset"; default: swapped (1)
  const device = new Map<string, Content>();
  const mismatches: LoadSite[] = [];
  const codec = new TrimCodec();
  const params: ZswapParams = {
    era: 'frontswap',
    totalramPages: s.ram ?? 100,
    max_pool_percent: s.max ?? 20,
    accept_threshold_percent: s.accept ?? 90,
    same_filled_pages_enabled: s.sameFilled ?? true,
    limitPolicy: s.policy ?? 'reject-shrink',
    duplicate: s.duplicate ?? 'overwrite',
    exclusiveLoads: false,
    cachedTotalSize: true,
    incompressible: 'fail',
    zpool: 'zbud',
    hlen: 8,
    chain: 4,
    poolLru: true,
    z3foldRelist: true,
    shrinkWorkerPace: 8,
  };
  const z: Zswap = new Zswap(
    params,
    codec,
    {
      frameFree: () => z.pool.pages < (s.frames ?? Infinity),
      slotState: (t, o) => slots.get(`${t}:${o}`) ?? 1,
      writeBack: (t, o, c) => device.set(`${t}:${o}`, c),
      duplicateBug: (t, o) => {
        throw new DuplicateStoreBug(`dup ${t}:${o}`);
      },
      writebackSite: (t, o) => ({ seq: 0, as: 1, vpn: o, type: t, offset: o, line: 0, source: 'zswap', when: 'writeback' }),
    },
    new InProcessVerifier((site) => mismatches.push(site)),
  );
  z.init(0);
  return { z, slots, device, codec, mismatches };
}

/** What a load of the offset gives: the decompressed block, or the entry's content when it has no block. */
function loaded(z: Zswap, offset: number): Uint8Array | null {
  const got = z.load(0, offset);
  if (got === null) return null;
  if (got.block === null) return got.content.bytes;
  const dst = new Uint8Array(PAGE_SIZE);
  z.codec.decompress(got.block, dst);
  return dst;
}


describe('zswap limits: the kernel integer arithmetic', () => {
  it('full: floor(ram × max / 100) < pool pages', () => {
    const { z } = make({ ram: 99, max: 3 }); // floor(2.97) = 2
    z.store(0, 1, pageOf(3000, 1));
    z.store(0, 2, pageOf(3000, 2));
    expect(z.pool.pages).toBe(2);
    expect(z.isFull()).toBe(false);
    z.store(0, 3, pageOf(3000, 3));
    expect(z.pool.pages).toBe(3);
    expect(z.isFull()).toBe(true);
  });

  it('can accept: floor(floor(ram × accept / 100) × max / 100) > pool pages', () => {
    // ram 1000, accept 90 → 900; max 1 → floor(9.00) = 9
    const { z } = make({ ram: 1000, max: 1, accept: 90 });
    for (let i = 0; i < 8; i++) z.store(0, i, pageOf(3000, i + 1));
    expect(z.canAccept()).toBe(true); // 9 > 8
    z.store(0, 8, pageOf(3000, 9));
    expect(z.canAccept()).toBe(false); // 9 > 9 is false
    // ram 1001: floor(900.9) = 900 → same threshold: the inner floor matters
    const b = make({ ram: 1001, max: 1, accept: 90 }).z;
    for (let i = 0; i < 9; i++) b.store(0, i, pageOf(3000, i + 1));
    expect(b.canAccept()).toBe(false);
  });
});

describe('zswap pool full: reject-shrink (5.10)', () => {
  it('fails the store, counts pool_limit_hit, and shrinks one zbud page after it', () => {
    const { z, device } = make({ ram: 100, max: 1 }); // limit 1 page
    z.store(0, 1, pageOf(3000, 1));
    z.store(0, 2, pageOf(3000, 2)); // 2 pages: full from now on
    expect(z.store(0, 3, pageOf(3000, 3))).not.toBe(0);
    expect(z.stats.pool_limit_hit).toBe(1);
    expect(z.reachedFull).toBe(true);
    expect(z.pool.pages).toBe(2);
    z.runQueuedShrink();
    expect(z.pool.pages).toBe(1);
    expect(z.stats.written_back_pages).toBe(1);
    expect(device.has('0:1')).toBe(true); // the LRU tail: the oldest page
    z.runQueuedShrink(); // nothing queued any more
    expect(z.pool.pages).toBe(1);
  });

  it('hysteresis: refuses (no counter) until the pool is under the accept threshold', () => {
    const { z } = make({ ram: 1000, max: 1, accept: 50 }); // limit 10; accept while the cached size < floor(500 × 1 / 100) = 5
    for (let i = 0; i < 11; i++) z.store(0, i, pageOf(3000, i + 1));
    expect(z.store(0, 100, pageOf(100, 7))).not.toBe(0);
    expect(z.stats.pool_limit_hit).toBe(1);
    z.runQueuedShrink(); // entry 0 written back: debugfs refreshed while its page still existed
    expect(z.pool.pages).toBe(10);
    expect(z.poolTotalSize).toBe(11 * PAGE_SIZE);
    // the cached size is still over the limit: a second hit and a second shrink (SPEC §6.0)
    expect(z.store(0, 101, pageOf(100, 8))).not.toBe(0);
    expect(z.stats.pool_limit_hit).toBe(2);
    z.runQueuedShrink();
    expect(z.pool.pages).toBe(9);
    expect(z.poolTotalSize).toBe(10 * PAGE_SIZE);
    // not full (10 is not over 10), but reached_full holds and 5 > 10 is false: refused with no counter
    const before = { ...z.stats };
    expect(z.store(0, 102, pageOf(100, 9))).not.toBe(0);
    expect(z.stats).toEqual(before);
    for (let i = 2; i <= 5; i++) z.invalidatePage(0, i); // each free refreshes the cache: 5 pages
    expect(z.poolTotalSize).toBe(5 * PAGE_SIZE);
    expect(z.store(0, 103, pageOf(100, 10))).not.toBe(0); // 5 > 5 is false
    z.invalidatePage(0, 6); // 4 pages: accept again
    expect(z.store(0, 104, pageOf(100, 11))).toBe(0);
    expect(z.reachedFull).toBe(false);
  });

  it('a failed shrink counts reject_reclaim_fail', () => {
    const { z, slots } = make({ ram: 100, max: 1 });
    z.store(0, 1, pageOf(3000, 1));
    z.store(0, 2, pageOf(3000, 2));
    slots.set('0:1', 0x40); // both owners in the swap cache: writeback -EEXIST
    slots.set('0:2', 0x40);
    z.store(0, 3, pageOf(3000, 3));
    z.runQueuedShrink();
    expect(z.stats.reject_reclaim_fail).toBe(1);
    expect(z.pool.pages).toBe(2);
  });
});

describe('zswap pool full: sync-reclaim (3.11)', () => {
  it('reclaims one zbud page synchronously, then stores', () => {
    const { z } = make({ ram: 100, max: 1, policy: 'sync-reclaim' });
    z.store(0, 1, pageOf(3000, 1));
    z.store(0, 2, pageOf(3000, 2));
    expect(z.store(0, 3, pageOf(3000, 3))).toBe(0);
    expect(z.stats.pool_limit_hit).toBe(1);
    expect(z.stats.written_back_pages).toBe(1);
    expect(z.pool.pages).toBe(2);
    expect(loaded(z, 1)).toBeNull(); // written back
  });

  it('fails with reject_reclaim_fail when reclaim fails', () => {
    const { z, slots } = make({ ram: 100, max: 1, policy: 'sync-reclaim' });
    z.store(0, 1, pageOf(3000, 1));
    z.store(0, 2, pageOf(3000, 2));
    slots.set('0:1', 0); // slot freed: writeback -ENOMEM, the entry stays
    slots.set('0:2', 0x41); // page being stored: -EEXIST
    expect(z.store(0, 3, pageOf(3000, 3))).not.toBe(0);
    expect(z.stats.reject_reclaim_fail).toBe(1);
    expect(z.stats.written_back_pages).toBe(0);
    expect(loaded(z, 1)).not.toBeNull();
  });
});

describe('zswap store steps', () => {
  it('same-filled pages take no pool memory; the gauge follows', () => {
    const { z } = make();
    const raw = new Uint8Array(PAGE_SIZE);
    fillWord(raw, 0xabcdef01, 0x23456789);
    const p = new Content(raw);
    expect(z.store(0, 1, p)).toBe(0);
    expect(z.pool.pages).toBe(0);
    expect(z.stats.same_filled_pages).toBe(1);
    expect(z.stats.stored_pages).toBe(1);
    expect(z.compression.pages).toBe(0);
    expect(loaded(z, 1)).toEqual(raw);
    z.invalidatePage(0, 1);
    expect(z.stats.same_filled_pages).toBe(0);
    expect(z.stats.stored_pages).toBe(0);
  });

  it('with same-filled pages off, a zero page is compressed', () => {
    const { z } = make({ sameFilled: false });
    expect(z.store(0, 1, new Content(new Uint8Array(PAGE_SIZE)))).toBe(0);
    expect(z.compression.pages).toBe(1);
    expect(z.pool.pages).toBe(1);
  });

  it('a page compressing past 4096 bytes fails with no zswap counter', () => {
    const { z } = make();
    const before = { ...z.stats };
    const raw = new Uint8Array(PAGE_SIZE).fill(0xee, 0, 100);
    expect(z.store(0, 1, new Content(raw))).not.toBe(0);
    expect(z.stats).toEqual(before);
    expect(z.compression.pages).toBe(1);
    expect(z.compression.overflowPages).toBe(1);
    expect(z.compression.bytesOut).toBe(4100);
  });

  it('dlen + 8 over 3968 is reject_compress_poor; 3960 still fits', () => {
    const { z } = make();
    expect(z.store(0, 1, pageOf(3960, 1))).toBe(0);
    expect(z.store(0, 2, pageOf(3961, 2))).not.toBe(0);
    expect(z.stats.reject_compress_poor).toBe(1);
  });

  it('no frame for a new pool page is reject_alloc_fail', () => {
    const { z } = make({ frames: 1 });
    expect(z.store(0, 1, pageOf(3000, 1))).toBe(0);
    expect(z.store(0, 2, pageOf(3000, 2))).not.toBe(0);
    expect(z.stats.reject_alloc_fail).toBe(1);
  });

  it('loads return the entry (its content and real block) and leave it in place', () => {
    const { z } = make();
    const p = pageOf(1234, 5);
    z.store(0, 9, p);
    expect(loaded(z, 9)).toEqual(p.bytes);
    expect(z.load(0, 9)).toMatchObject({ content: p, freed: false });
    expect(z.load(0, 9)!.block!.length).toBe(1234);
    expect(z.stats.stored_pages).toBe(1);
  });

  it('pool_total_size follows the pool; peaks are kept', () => {
    const { z } = make();
    z.store(0, 1, pageOf(3000, 1));
    z.store(0, 2, pageOf(3000, 2));
    expect(z.poolTotalSize).toBe(2 * PAGE_SIZE);
    z.invalidatePage(0, 1);
    expect(z.poolTotalSize).toBe(PAGE_SIZE);
    expect(z.stats.pool_total_size_peak).toBe(2 * PAGE_SIZE);
    expect(z.stats.stored_pages_peak).toBe(2);
  });
});

describe('zswap duplicate policies', () => {
  it('overwrite: the new copy replaces the old at insert, duplicate_entry++', () => {
    const { z } = make({ duplicate: 'overwrite' });
    z.store(0, 1, pageOf(100, 1));
    expect(z.store(0, 1, pageOf(200, 2))).toBe(0);
    expect(z.stats.duplicate_entry).toBe(1);
    expect(z.stats.stored_pages).toBe(1);
    expect(loaded(z, 1)).toEqual(pageOf(200, 2).bytes);
  });

  it('overwrite: a store that fails before insert leaves the old entry and counts nothing', () => {
    const { z } = make({ duplicate: 'overwrite' });
    z.store(0, 1, pageOf(100, 1));
    expect(z.store(0, 1, pageOf(3990, 2))).not.toBe(0); // compress poor
    expect(z.stats.duplicate_entry).toBe(0);
    expect(loaded(z, 1)).toEqual(pageOf(100, 1).bytes);
  });

  it('reject: frees the old entry, counts it, fails', () => {
    const { z } = make({ duplicate: 'reject' });
    z.store(0, 1, pageOf(100, 1));
    expect(z.store(0, 1, pageOf(200, 2))).not.toBe(0);
    expect(z.stats.duplicate_entry).toBe(1);
    expect(z.stats.stored_pages).toBe(0);
    expect(loaded(z, 1)).toBeNull();
  });

  it('stale: keeps the old entry and fails, counting nothing', () => {
    const { z } = make({ duplicate: 'stale' });
    z.store(0, 1, pageOf(100, 1));
    expect(z.store(0, 1, pageOf(200, 2))).not.toBe(0);
    expect(z.stats.duplicate_entry).toBe(0);
    expect(loaded(z, 1)).toEqual(pageOf(100, 1).bytes);
  });

  it('bug: stops at once, before the pool-full check', () => {
    const { z } = make({ duplicate: 'bug', ram: 100, max: 0 });
    z.store(0, 1, new Content(new Uint8Array(PAGE_SIZE))); // same-filled: stored even at max 0
    expect(() => z.store(0, 1, pageOf(100, 1))).toThrow(DuplicateStoreBug);
    expect(z.stats.pool_limit_hit).toBe(0);
  });
});

describe('zswap writeback', () => {
  it('writes the entry’s content to its slot, really decompressing it, and frees it', () => {
    const { z, device, mismatches } = make();
    const p = pageOf(3000, 4);
    z.store(0, 6, p);
    expect(z.pool.shrink()).toBe(0);
    expect(device.get('0:6')).toBe(p);
    expect(z.compression.decompressNs.count).toBe(1);
    expect(mismatches).toEqual([]);
    expect(z.stats.written_back_pages).toBe(1);
    expect(z.stats.stored_pages).toBe(0);
    expect(z.pool.pages).toBe(0);
  });

  it('fails for a free slot or a page in the swap cache; the entry stays', () => {
    const { z, slots, device } = make();
    z.store(0, 6, pageOf(3000, 4));
    slots.set('0:6', 0);
    expect((z.pool as ZbudPool).reclaimPage(1)).not.toBe(0);
    slots.set('0:6', 0x40);
    expect((z.pool as ZbudPool).reclaimPage(1)).not.toBe(0);
    expect(device.size).toBe(0);
    expect(z.stats.stored_pages).toBe(1);
  });
});
