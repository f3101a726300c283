import { describe, expect, it } from 'vitest';
import { EAGAIN, EINVAL, ENOMEM, ENOSPC } from '../src/mm/pools/zpool.js';
import { Z3FOLD_HEADLESS_OVER, Z3FOLD_NCHUNKS, Z3foldPool } from '../src/mm/pools/z3fold.js';

/** A pool with at most `limit` pages and a scriptable evict (which frees the object, as zswap's writeback does). */
function makePool(opts: { limit?: number; withLru?: boolean; relist?: boolean } = {}) {
  const evicted: number[] = [];
  const state = { evictResult: (_h: number): number => 0 };
  const pool: Z3foldPool = new Z3foldPool(
    { frameFree: () => pool.pages < (opts.limit ?? Infinity) },
    (h) => {
      evicted.push(h);
      const r = state.evictResult(h);
      if (r === 0) pool.free(h);
      return r;
    },
    opts.withLru ?? true,
    opts.relist ?? true,
  );
  return { pool, evicted, state };
}

const C = 64; // bytes per chunk

describe('z3fold geometry', () => {
  it('62 usable chunks after a two-chunk header; headless over 3904 bytes; ENOSPC over 4096', () => {
    expect(Z3FOLD_NCHUNKS).toBe(62);
    expect(Z3FOLD_HEADLESS_OVER).toBe(3904);
    const { pool } = makePool();
    expect(pool.malloc(4097)).toBe(ENOSPC);
    expect(pool.malloc(0)).toBe(EINVAL);
    const h = pool.malloc(3905);
    expect(pool.whereIs(h).slot).toBe('headless');
    expect(pool.whereIs(h).page.buddy.linked).toBe(false);
    const f = pool.malloc(3904); // 61 chunks: a normal FIRST
    expect(pool.whereIs(f).slot).toBe('first');
    expect(pool.pages).toBe(2);
    expect(pool.checkInvariants()).toBeNull();
  });
});

describe('z3fold placement', () => {
  it('FIRST, then LAST, then MIDDLE right after FIRST', () => {
    const { pool } = makePool();
    const a = pool.malloc(10 * C);
    const b = pool.malloc(10 * C);
    const c = pool.malloc(10 * C);
    const page = pool.whereIs(a).page;
    expect([pool.whereIs(a).slot, pool.whereIs(b).slot, pool.whereIs(c).slot]).toEqual(['first', 'last', 'middle']);
    expect(pool.whereIs(c).page).toBe(page);
    expect(page.startMiddle).toBe(12); // first (10) + header (2)
    expect(page.buddy.linked).toBe(false); // no free slot: on no list
    expect(pool.pages).toBe(1);
  });

  it('a page waits on unbuddied[its largest free gap]; allocation takes the smallest fitting gap, newest page first', () => {
    const { pool } = makePool();
    const a = pool.malloc(40 * C); // page A: 22 free
    const b = pool.malloc(30 * C); // does not fit A: page B, 32 free
    expect(pool.unbuddied[22].head()).toBe(pool.whereIs(a).page);
    expect(pool.unbuddied[32].head()).toBe(pool.whereIs(b).page);
    const c = pool.malloc(20 * C); // smallest fitting: A (22)
    expect(pool.whereIs(c).page).toBe(pool.whereIs(a).page);
    expect(pool.whereIs(c).slot).toBe('last');
    const d = pool.malloc(30 * C); // B's 32 free
    expect(pool.whereIs(d).page).toBe(pool.whereIs(b).page);
  });

  it('with a MIDDLE, FIRST when the object fits before it, else LAST', () => {
    const { pool } = makePool();
    const a = pool.malloc(5 * C);
    pool.malloc(5 * C); // LAST
    const m = pool.malloc(20 * C); // MIDDLE at 7
    const page = pool.whereIs(m).page;
    pool.free(a); // the page was full (on no list): compaction at once; only LAST beside the middle, 32 chunks of gap → MIDDLE slides to the LAST
    expect(page.startMiddle).toBe(64 - 5 - 20);
    expect(page.freeChunks).toBe(37);
    const f = pool.malloc(30 * C); // 30 ≤ 39 − 2: FIRST
    expect(pool.whereIs(f)).toMatchObject({ page, slot: 'first' });

    const { pool: p2 } = makePool();
    p2.malloc(10 * C); // FIRST
    const l = p2.malloc(10 * C); // LAST
    const m2 = p2.malloc(10 * C); // MIDDLE at 12
    const page2 = p2.whereIs(m2).page;
    p2.free(l); // on no list: compaction at once; only FIRST beside the middle, gap 0: stays
    expect(page2.startMiddle).toBe(12);
    const x = p2.malloc(20 * C); // FIRST used: LAST
    expect(p2.whereIs(x)).toMatchObject({ page: page2, slot: 'last' });
    expect(p2.checkInvariants()).toBeNull();
  });

  it('ENOMEM when no frame is free for a new page', () => {
    const { pool } = makePool({ limit: 1 });
    expect(pool.malloc(30 * C)).toBeGreaterThan(0);
    expect(pool.malloc(40 * C)).toBe(ENOMEM);
    expect(pool.malloc(20 * C)).toBeGreaterThan(0); // fits the page
  });
});

describe('z3fold freeing and compaction', () => {
  it('the last object frees the page; a headless page goes with its object', () => {
    const { pool } = makePool();
    const a = pool.malloc(100);
    const h = pool.malloc(4000);
    expect(pool.pages).toBe(2);
    pool.free(h);
    expect(pool.pages).toBe(1);
    pool.free(a);
    expect(pool.pages).toBe(0);
    expect(pool.lru.length).toBe(0);
  });

  it('compaction of a listed page waits for the end of the zswap call', () => {
    const { pool } = makePool();
    const a = pool.malloc(5 * C);
    pool.malloc(5 * C); // LAST
    const m = pool.malloc(10 * C); // MIDDLE at 7
    const page = pool.whereIs(m).page;
    const l = page.objs.last!;
    pool.free(l); // on no list (full): compaction now; FIRST used, LAST free, gap 0 → nothing moves
    expect(page.startMiddle).toBe(7);
    pool.free(a); // listed now: deferred
    expect(pool.whereIs(m).slot).toBe('middle');
    expect(page.needsCompacting).toBe(true);
    pool.endCall();
    expect(page.needsCompacting).toBe(false);
    expect(pool.whereIs(m).slot).toBe('first'); // FIRST and LAST free: MIDDLE becomes FIRST
  });

  it('a lone object moves to another page with room, which then holds a foreign object', () => {
    const { pool } = makePool();
    const a = pool.malloc(40 * C); // page A
    const b = pool.malloc(40 * C); // page B
    const c = pool.malloc(10 * C); // joins B (smallest fitting gap: both 22 → newest, B)
    expect(pool.whereIs(c).page).toBe(pool.whereIs(b).page);
    pool.free(b); // B keeps only c: deferred compaction moves c into A
    pool.endCall();
    expect(pool.pages).toBe(1);
    expect(pool.whereIs(c).page).toBe(pool.whereIs(a).page);
    expect(pool.whereIs(a).page.foreignHandles).toBe(1);
    pool.free(c); // a foreign object lowers its page's count
    expect(pool.whereIs(a).page.foreignHandles).toBe(0);
    expect(pool.checkInvariants()).toBeNull();
  });
});

describe('z3fold_reclaim_page', () => {
  it('evicts MIDDLE, FIRST, LAST of the LRU-tail page and frees it', () => {
    const { pool, evicted } = makePool();
    const a = pool.malloc(10 * C);
    const b = pool.malloc(10 * C);
    const m = pool.malloc(10 * C);
    pool.malloc(50 * C); // a newer page at the LRU head
    expect(pool.shrink()).toBe(0);
    expect(evicted).toEqual([m, a, b]);
    expect(pool.pages).toBe(1);
  });

  it('skips pages holding a foreign object', () => {
    const { pool, evicted } = makePool();
    const a = pool.malloc(40 * C); // A
    const b = pool.malloc(40 * C); // B
    const c = pool.malloc(10 * C); // in B
    pool.free(b);
    pool.endCall(); // c moved into A: A holds a foreign object
    expect(pool.whereIs(a).page.foreignHandles).toBe(1);
    expect(pool.shrink()).toBe(EAGAIN); // A is the only page, and it cannot be reclaimed
    expect(evicted).toEqual([]);
    void c;
  });

  it('stops at a failed eviction; 6.1 relists the page at the LRU head, 5.10 does not relist it', () => {
    for (const relist of [true, false]) {
      const { pool, state, evicted } = makePool({ relist });
      const a = pool.malloc(10 * C);
      const b = pool.malloc(10 * C);
      const m = pool.malloc(10 * C);
      state.evictResult = (h) => (h === a ? -17 : 0);
      expect(pool.reclaimPage(1)).toBe(EAGAIN);
      expect(evicted).toEqual([m, a]); // LAST was not tried
      const page = pool.whereIs(a).page;
      expect(pool.lru.head()).toBe(page);
      expect(page.buddy.linked).toBe(relist);
      void b;
    }
  });

  it('has no LRU and no reclaim from 6.5', () => {
    const { pool } = makePool({ withLru: false });
    pool.malloc(100);
    expect(pool.lru.length).toBe(0);
    expect(pool.shrink()).toBe(EINVAL);
    expect(pool.checkInvariants()).toBeNull();
  });
});

describe('z3fold counts', () => {
  it('pages by objects held, and allocations by chunks (headless apart)', () => {
    const { pool } = makePool();
    pool.malloc(10 * C);
    pool.malloc(10 * C);
    pool.malloc(10 * C);
    pool.malloc(3 * C);
    pool.malloc(4000);
    const d = pool.distribution();
    expect(d.occupancy).toEqual({ '1': 1, '2': 0, '3': 1, headless: 1 });
    expect(d.object_sizes).toEqual({ '3': 1, '10': 3, headless: 1 });
  });
});
