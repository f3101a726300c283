import { describe, expect, it } from 'vitest';
import { EAGAIN, EINVAL, ENOMEM, ENOSPC } from '../src/mm/pools/zpool.js';
import { NCHUNKS, ZBUD_MAX_SIZE, ZbudPool, sizeToChunks } from '../src/mm/pools/zbud.js';

/** A pool with at most `limit` pages and a scriptable evict. */
function makePool(limit = Infinity) {
  const evicted: number[] = [];
  const state = { evictResult: (_h: number): number => 0, pool: null as unknown as ZbudPool };
  const pool = new ZbudPool(
    { frameFree: () => pool.pages < limit },
    (h) => {
      evicted.push(h);
      const r = state.evictResult(h);
      if (r === 0) state.pool.free(h);
      return r;
    },
  );
  state.pool = pool;
  return { pool, evicted, state };
}

const chunksOf = (pool: ZbudPool, h: number) => pool.chunksOf(h);

describe('zbud geometry', () => {
  it('64-byte chunks, 63 usable, 3968-byte limit', () => {
    expect(NCHUNKS).toBe(63);
    expect(ZBUD_MAX_SIZE).toBe(3968);
    expect(sizeToChunks(1)).toBe(1);
    expect(sizeToChunks(64)).toBe(1);
    expect(sizeToChunks(65)).toBe(2);
    expect(sizeToChunks(3968)).toBe(62);
  });

  it('refuses size 0 with EINVAL and sizes over 3968 with ENOSPC', () => {
    const { pool } = makePool();
    expect(pool.malloc(0)).toBe(EINVAL);
    expect(pool.malloc(3969)).toBe(ENOSPC);
    expect(pool.pages).toBe(0);
    expect(pool.malloc(3968)).toBeGreaterThan(0);
    expect(pool.pages).toBe(1);
  });

  it('places FIRST after the header and LAST right-justified', () => {
    const { pool } = makePool();
    const a = pool.malloc(100); // 2 chunks
    const b = pool.malloc(1000); // 16 chunks
    expect(pool.pageOf(a)).toBe(pool.pageOf(b));
    expect(pool.budOf(a)).toBe('first');
    expect(pool.budOf(b)).toBe('last');
    expect(chunksOf(pool, a)).toBe(2);
    expect(chunksOf(pool, b)).toBe(16);
  });

  it('pairs two objects only when their chunks fit in 63', () => {
    const { pool } = makePool();
    const a = pool.malloc(32 * 64); // 32 chunks: 31 free left
    const b = pool.malloc(32 * 64); // does not fit: new page
    expect(pool.pageOf(a)).not.toBe(pool.pageOf(b));
    const c = pool.malloc(31 * 64); // fits either page exactly: the newest (b's) is at the list head
    expect(pool.pageOf(c)).toBe(pool.pageOf(b));
    expect(pool.budOf(c)).toBe('last');
    expect(pool.pages).toBe(2);
    expect(pool.buddied.length).toBe(1);
  });
});

describe('zbud lists', () => {
  it('a page with one side free waits on unbuddied[free chunks]; full pages on buddied', () => {
    const { pool } = makePool();
    const a = pool.malloc(10 * 64);
    expect(pool.unbuddied[53].head()).toBe(pool.pageOf(a));
    const b = pool.malloc(20 * 64);
    expect(pool.unbuddied[53].empty).toBe(true);
    expect(pool.buddied.head()).toBe(pool.pageOf(b));
  });

  it('first fit: the smallest fitting hole, newest page first', () => {
    const { pool } = makePool();
    const big = pool.malloc(50 * 64); // page A: 13 free
    const mid = pool.malloc(40 * 64); // page B: 23 free
    const mid2 = pool.malloc(40 * 64); // page C: 23 free (head of unbuddied[23])
    const x = pool.malloc(12 * 64); // 12 chunks: unbuddied[13] (A) is the first fit
    expect(pool.pageOf(x)).toBe(pool.pageOf(big));
    const y = pool.malloc(20 * 64); // unbuddied[23]: C is newest, at the head
    expect(pool.pageOf(y)).toBe(pool.pageOf(mid2));
    expect(pool.pageOf(mid)).not.toBe(pool.pageOf(y));
  });

  it('freeing one side relists the page; freeing both frees the page; LRU order unchanged', () => {
    const { pool } = makePool();
    const a = pool.malloc(10 * 64);
    const b = pool.malloc(10 * 64); // same page, LAST
    const c = pool.malloc(60 * 64); // new page
    expect([...pool.lru]).toEqual([pool.pageOf(c), pool.pageOf(a)]);
    const pageOfB = pool.pageOf(b);
    pool.free(a);
    expect(pool.unbuddied[53].head()).toBe(pageOfB);
    expect([...pool.lru]).toEqual([pool.pageOf(c), pageOfB]);
    const d = pool.malloc(5 * 64); // FIRST of b's page again
    expect(pool.budOf(d)).toBe('first');
    expect(pool.pageOf(d)).toBe(pool.pageOf(b));
    // allocation moved that page to the LRU head
    expect(pool.lru.head()).toBe(pool.pageOf(d));
    pool.free(d);
    pool.free(b);
    expect(pool.pages).toBe(1);
    pool.free(c);
    expect(pool.pages).toBe(0);
    expect(pool.lru.length).toBe(0);
  });

  it('ENOMEM when no frame is left for a new page', () => {
    const { pool } = makePool(1);
    expect(pool.malloc(3000)).toBeGreaterThan(0);
    expect(pool.malloc(3000)).toBe(ENOMEM);
    expect(pool.malloc(100)).toBeGreaterThan(0); // still fits the existing page
  });
});

describe('zbud without its LRU (6.5+: the LRU is zswap\'s)', () => {
  it('keeps no LRU and cannot reclaim', () => {
    const pool = new ZbudPool({ frameFree: () => true }, () => 0, false);
    pool.malloc(100);
    expect(pool.lru.length).toBe(0);
    expect(pool.evictable).toBe(false);
    expect(pool.shrink()).toBe(EINVAL);
    expect(pool.checkInvariants()).toBeNull();
  });
});

describe('zbud_reclaim_page', () => {
  it('EINVAL on an empty pool or zero retries', () => {
    const { pool } = makePool();
    expect(pool.reclaimPage(8)).toBe(EINVAL);
    pool.malloc(100);
    expect(pool.reclaimPage(0)).toBe(EINVAL);
  });

  it('evicts the LRU tail page, FIRST then LAST, and frees it', () => {
    const { pool, evicted } = makePool();
    const a = pool.malloc(100);
    const b = pool.malloc(100);
    const c = pool.malloc(3000); // newer page
    expect(pool.reclaimPage(8)).toBe(0);
    expect(evicted).toEqual([a, b]);
    expect(pool.pages).toBe(1);
    expect(pool.lru.head()).toBe(pool.pageOf(c));
  });

  it('skips LAST when FIRST fails, puts the page back at the LRU head and tries the next tail', () => {
    const { pool, evicted, state } = makePool();
    const a = pool.malloc(100);
    const b = pool.malloc(100);
    const c = pool.malloc(3000);
    state.evictResult = (h) => (h === a ? -17 : 0);
    expect(pool.reclaimPage(8)).toBe(0);
    expect(evicted).toEqual([a, c]);
    expect(pool.pages).toBe(1);
    expect(pool.lru.head()).toBe(pool.pageOf(a));
    expect(chunksOf(pool, b)).toBe(2);
  });

  it('a page whose LAST eviction fails is relisted as unbuddied', () => {
    const { pool, state, evicted } = makePool();
    const a = pool.malloc(100);
    const b = pool.malloc(200);
    state.evictResult = (h) => (h === b ? -12 : 0);
    expect(pool.reclaimPage(1)).toBe(EAGAIN);
    expect(evicted).toEqual([a, b]);
    expect(pool.pages).toBe(1);
    expect(pool.pageOf(b).firstChunks).toBe(0);
    expect(pool.unbuddied[63 - 4].head()).toBe(pool.pageOf(b));
  });

  it('gives up with EAGAIN after `retries` failed pages', () => {
    const { pool, evicted, state } = makePool();
    const a = pool.malloc(3000);
    const b = pool.malloc(3000);
    state.evictResult = () => -17;
    expect(pool.reclaimPage(3)).toBe(EAGAIN);
    // tail a, then b, then a again (each failure goes back to the head)
    expect(evicted).toEqual([a, b, a]);
    expect(pool.pages).toBe(2);
  });

  it('a free during reclaim leaves the page to reclaim', () => {
    const { pool, state } = makePool();
    const a = pool.malloc(100);
    const b = pool.malloc(100);
    // evicting a also frees b from inside the callback (as an invalidate would)
    state.evictResult = (h) => {
      if (h === a) pool.free(b);
      return h === a ? 0 : -1;
    };
    expect(pool.reclaimPage(8)).toBe(0);
    expect(pool.pages).toBe(0);
  });
});
