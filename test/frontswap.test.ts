import { describe, expect, it } from 'vitest';
import { ZERO_CONTENT } from '../src/mm/content.js';
import { Frontswap, type FrontswapDupMode, type FrontswapKnobs, type FrontswapOps } from '../src/mm/frontswap.js';

function fakeBackend(storeResults: number[] = [], exclusive = false) {
  const calls: string[] = [];
  const held = new Set<number>();
  const ops: FrontswapOps = {
    init: (t) => calls.push(`init ${t}`),
    store: (t, o) => {
      const r = storeResults.shift() ?? 0;
      calls.push(`store ${t}:${o} -> ${r}`);
      if (r === 0) held.add(o);
      return r;
    },
    load: (t, o) => {
      calls.push(`load ${t}:${o}`);
      if (!held.has(o)) return null;
      if (exclusive) held.delete(o);
      return { content: ZERO_CONTENT, block: null, freed: exclusive };
    },
    invalidatePage: (t, o) => {
      calls.push(`invalidate ${t}:${o}`);
      held.delete(o);
    },
    invalidateArea: (t) => {
      calls.push(`invalidate_area ${t}`);
      held.clear();
    },
  };
  return { ops, calls, held };
}

const PAGE = ZERO_CONTENT;

function make(mode: FrontswapDupMode, results: number[], knobs?: FrontswapKnobs, exclusiveBackend = false) {
  const b = fakeBackend(results, exclusiveBackend);
  const fs = new Frontswap(b.ops, mode, knobs);
  fs.init(0, 16);
  b.calls.length = 0;
  return { fs, ...b };
}

describe('frontswap store and duplicates', () => {
  it('a successful store sets the bit and counts succ_stores', () => {
    const { fs, calls } = make('clear', [0]);
    expect(fs.store(0, 3, PAGE)).toBe(0);
    expect(fs.test(0, 3)).toBe(true);
    expect(fs.stats).toEqual({ succ_stores: 1, failed_stores: 0, loads: 0, invalidates: 0 });
    expect(calls).toEqual(['store 0:3 -> 0']);
  });

  it('clear (3.11): a failed duplicate clears the bit without telling the backend', () => {
    const { fs, calls, held } = make('clear', [0, -12]);
    fs.store(0, 3, PAGE);
    expect(fs.store(0, 3, PAGE)).toBe(-12);
    expect(fs.test(0, 3)).toBe(false);
    expect(held.has(3)).toBe(true); // the old copy lingers
    expect(calls).toEqual(['store 0:3 -> 0', 'store 0:3 -> -12']);
    expect(fs.stats.failed_stores).toBe(1);
    expect(fs.stats.invalidates).toBe(0);
  });

  it('invalidate-on-fail (3.19): a failed duplicate also invalidates the backend, uncounted', () => {
    const { fs, calls, held } = make('invalidate-on-fail', [0, -12]);
    fs.store(0, 3, PAGE);
    fs.store(0, 3, PAGE);
    expect(fs.test(0, 3)).toBe(false);
    expect(held.has(3)).toBe(false);
    expect(calls).toEqual(['store 0:3 -> 0', 'store 0:3 -> -12', 'invalidate 0:3']);
    expect(fs.stats.invalidates).toBe(0);
  });

  it('invalidate-first (4.2+): the backend never sees a duplicate', () => {
    const { fs, calls } = make('invalidate-first', [0, 0]);
    fs.store(0, 3, PAGE);
    fs.store(0, 3, PAGE);
    expect(calls).toEqual(['store 0:3 -> 0', 'invalidate 0:3', 'store 0:3 -> 0']);
    expect(fs.test(0, 3)).toBe(true);
    expect(fs.stats).toEqual({ succ_stores: 2, failed_stores: 0, loads: 0, invalidates: 0 });
  });

  it('invalidate-first: a failed store after the invalidation leaves the bit clear', () => {
    const { fs } = make('invalidate-first', [0, -28]);
    fs.store(0, 3, PAGE);
    fs.store(0, 3, PAGE);
    expect(fs.test(0, 3)).toBe(false);
  });

  it('a successful duplicate keeps the bit set in every mode', () => {
    for (const mode of ['clear', 'invalidate-on-fail'] as const) {
      const { fs, calls } = make(mode, [0, 0]);
      fs.store(0, 3, PAGE);
      fs.store(0, 3, PAGE);
      expect(fs.test(0, 3)).toBe(true);
      expect(calls).toEqual(['store 0:3 -> 0', 'store 0:3 -> 0']);
    }
  });
});

describe('frontswap load and invalidate', () => {
  it('a clear bit misses without asking the backend', () => {
    const { fs, calls } = make('clear', []);
    expect(fs.load(0, 5)).toBeNull();
    expect(calls).toEqual([]);
    expect(fs.stats.loads).toBe(0);
  });

  it('counts only successful loads', () => {
    const { fs, held } = make('clear', [0]);
    fs.store(0, 5, PAGE);
    expect(fs.load(0, 5)).toMatchObject({ exclusive: false });
    expect(fs.test(0, 5)).toBe(true);
    held.delete(5); // written back
    expect(fs.load(0, 5)).toBeNull();
    expect(fs.stats.loads).toBe(1);
  });

  it('invalidate_page forwards and counts only when the bit is set', () => {
    const { fs, calls } = make('clear', [0]);
    fs.invalidatePage(0, 7);
    expect(calls).toEqual([]);
    fs.store(0, 7, PAGE);
    fs.invalidatePage(0, 7);
    expect(calls).toEqual(['store 0:7 -> 0', 'invalidate 0:7']);
    expect(fs.test(0, 7)).toBe(false);
    expect(fs.stats.invalidates).toBe(1);
  });

  it('invalidate_area forwards and clears every bit', () => {
    const { fs, calls } = make('clear', [0, 0]);
    fs.store(0, 1, PAGE);
    fs.store(0, 2, PAGE);
    fs.invalidateArea(0);
    expect([...fs.setBits(0)]).toEqual([]);
    expect(calls.at(-1)).toBe('invalidate_area 0');
  });
});

describe('frontswap knobs (3.5–5.16) and frontswap_curr_pages', () => {
  it('writethrough: the store succeeds in the backend, sets the bit and counts, but reports failure', () => {
    const { fs, held } = make('clear', [0], { writethrough: true, exclusiveGets: false });
    expect(fs.store(0, 3, PAGE)).not.toBe(0);
    expect(held.has(3)).toBe(true);
    expect(fs.test(0, 3)).toBe(true);
    expect(fs.stats).toEqual({ succ_stores: 1, failed_stores: 0, loads: 0, invalidates: 0 });
  });

  it('exclusive gets: a hit clears the bit without an invalidation, and the page must be dirtied', () => {
    const { fs, held, calls } = make('clear', [0], { writethrough: false, exclusiveGets: true });
    fs.store(0, 3, PAGE);
    expect(fs.load(0, 3)).toMatchObject({ exclusive: true });
    expect(fs.test(0, 3)).toBe(false);
    expect(held.has(3)).toBe(true); // a backend that keeps its copy leaves an orphan
    expect(fs.stats).toMatchObject({ loads: 1, invalidates: 0 });
    expect(calls.filter((c) => c.startsWith('invalidate'))).toEqual([]);
  });

  it('a backend that frees its copy on a load (zswap --exclusive-loads on) clears the bit too', () => {
    const { fs } = make('invalidate-first', [0], undefined, true);
    fs.store(0, 3, PAGE);
    expect(fs.load(0, 3)).toMatchObject({ exclusive: true, freed: true });
    expect(fs.test(0, 3)).toBe(false);
    expect(fs.stats.invalidates).toBe(0);
  });

  it('counts the set bits of every type', () => {
    const b = fakeBackend([0, 0, 0]);
    const fs = new Frontswap(b.ops, 'clear');
    fs.init(0, 16);
    fs.init(1, 16);
    fs.store(0, 1, PAGE);
    fs.store(0, 2, PAGE);
    fs.store(1, 1, PAGE);
    expect(fs.currPages()).toBe(3);
    fs.invalidatePage(0, 1);
    expect(fs.currPages()).toBe(2);
    fs.invalidateArea(1);
    expect(fs.currPages()).toBe(1);
  });
});
