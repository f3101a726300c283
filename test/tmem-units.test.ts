/*
 * The tmem backends and self-shrinking driven directly (SPEC §13.2–§13.5):
 * the rules the machine-level traces of test/tmem.test.ts do not reach one by
 * one — Xen's eviction order and pool limit, zcache's placement when no frame
 * is free and its shrinker, ramster's flushes, dropped zpages and local
 * re-placement, and the self-shrink tick's arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { createCodec } from '../src/compress/registry.js';
import { Content } from '../src/mm/content.js';
import { Ramster } from '../src/mm/ramster.js';
import { Selfshrink } from '../src/mm/selfshrink.js';
import type { TmemHost } from '../src/mm/tmem.js';
import { XenTmem } from '../src/mm/xen-tmem.js';
import { Zcache } from '../src/mm/zcache.js';
import { page } from './helpers.js';

const lz4 = createCodec('lz4');
const content = (seed: number, randomBytes = 512) => new Content(page(seed, randomBytes));

/** A host whose frames and trace time the test sets. */
function host(): TmemHost & { free: boolean; recordsDone: number } {
  return { free: true, recordsDone: 0, frameFree() { return this.free; } };
}

describe('xen-tmem', () => {
  it('evicts ephemeral pages put earliest first, before a put, until 1 MiB of host memory is free; a replaced duplicate keeps its place', () => {
    // 258 host pages: H = 258 − P − E; a put evicts while H < 256
    const x = new XenTmem({ maxPages: 100, hostFreePages: 258 }, 10);
    const fs = x.cleancache.initFs();
    for (const idx of [0, 1, 2]) x.cleancache.putPage(fs, 7, idx, content(idx)); // E = 3, H = 255
    x.cleancache.putPage(fs, 7, 1, content(11)); // evicts 0; replaces 1 in place
    expect(x.stats).toMatchObject({ evicted_pgs: 1, dup_puts_replaced: 1 });
    x.cleancache.putPage(fs, 7, 3, content(3)); // H = 256: no eviction
    x.cleancache.putPage(fs, 7, 4, content(4)); // evicts the oldest: 1, which kept its place before 2
    expect(x.stats.evicted_pgs).toBe(2);
    expect(x.cleancache.getPage(fs, 7, 1)).toBeNull();
    expect(x.cleancache.getPage(fs, 7, 2)?.content.equals(content(2))).toBe(true);
    // a private ephemeral get is exclusive
    expect(x.cleancache.getPage(fs, 7, 2)).toBeNull();
    expect(x.checkInvariants()).toBeNull();
  });

  it('has at most 16 pools, frontswap’s among them: the sixteenth filesystem gets none', () => {
    const x = new XenTmem({ maxPages: 100, hostFreePages: 1000 }, 10);
    x.init();
    const ids = Array.from({ length: 16 }, () => x.cleancache.initFs());
    expect(ids.slice(0, 15).every((id) => id > 0)).toBe(true);
    expect(ids[15]).toBe(-1);
  });

  it('swapoff flushes the 16 objects of the type (FLUSH_OBJECT each)', () => {
    const x = new XenTmem({ maxPages: 100, hostFreePages: 1000 }, 10);
    x.init();
    for (const offset of [1, 2, 17]) expect(x.store(0, offset, content(offset))).toBe(0);
    x.invalidateArea(0);
    // objects (type << 4) | (offset & 15): 1 and 17 share object 1
    expect(x.stats).toMatchObject({ flush_objs: 16, flush_objs_found: 2 });
    expect(x.persistentPages).toBe(0);
  });
});

describe('zcache', () => {
  it('gen 2: a persistent put with no free frame eats the LRU-end ephemeral pageframe (pers_ate_eph); gen 1 fails', () => {
    for (const gen of [2, 1] as const) {
      const h = host();
      const z = new Zcache(gen, lz4, h, 100, false);
      z.init();
      const fs = z.cleancache.initFs();
      z.cleancache.putPage(fs, 3, 0, content(1));
      h.free = false;
      const ok = z.store(0, 1, content(2)) === 0;
      const r = z.report() as Record<string, number>;
      expect(r.failed_get_free_pages, `gen ${gen}`).toBe(1);
      if (gen === 2) {
        expect(ok).toBe(true);
        expect(r).toMatchObject({ pers_ate_eph: 1, evicted_eph_pageframes: 1, eph_pageframes: 0, pers_pageframes: 1 });
        expect(z.cleancache.getPage(fs, 3, 0)).toBeNull();
      } else {
        expect(ok).toBe(false);
        expect(r).toMatchObject({ pers_ate_eph: 0, failed_pers_puts: 1, eph_pageframes: 1 });
      }
    }
  });

  it('an ephemeral put with no free frame and no match evicts the LRU-end ephemeral pageframe (eph_ate_tail)', () => {
    const h = host();
    const z = new Zcache(2, lz4, h, 100, true);
    const fs = z.cleancache.initFs();
    // ~2 400-byte zpages: 39 chunks each, two do not fit one pageframe
    z.cleancache.putPage(fs, 3, 0, content(1, 2400));
    h.free = false;
    z.cleancache.putPage(fs, 3, 1, content(2, 2400));
    expect(z.report()).toMatchObject({ eph_ate_tail: 1, eph_pageframes: 1, eph_zpages: 1 });
    expect(z.cleancache.getPage(fs, 3, 1)?.content.equals(content(2, 2400))).toBe(true);
  });

  it('pairs zpages in a pageframe: the fullest half-free pageframe that fits takes the new one', () => {
    const z = new Zcache(2, lz4, host(), 100, true);
    z.init();
    z.store(0, 1, content(1, 1500)); // ~25 chunks
    z.store(0, 2, content(2, 400)); // fits beside it
    z.store(0, 3, content(3, 2400)); // 39 chunks: a new pageframe
    expect(z.report()).toMatchObject({ pers_pageframes: 2, pers_zpages: 3 });
  });

  it('the shrinker keeps no more ephemeral pageframes than there are cached file pages', () => {
    const z = new Zcache(2, lz4, host(), 100, true);
    const fs = z.cleancache.initFs();
    for (let i = 0; i < 4; i++) z.cleancache.putPage(fs, 3, i, content(i, 2400));
    z.afterReclaim(2);
    expect(z.report()).toMatchObject({ eph_pageframes: 2, evicted_eph_pageframes: 2 });
    // the oldest went: 0 and 1
    expect(z.cleancache.getPage(fs, 3, 0)).toBeNull();
    expect(z.cleancache.getPage(fs, 3, 3)).not.toBeNull();
  });

  it('counts flushes of pages and objects, found or not', () => {
    const z = new Zcache(2, lz4, host(), 100, true);
    const fs = z.cleancache.initFs();
    z.cleancache.putPage(fs, 3, 0, content(1));
    z.cleancache.invalidatePage(fs, 3, 1);
    z.cleancache.invalidateInode(fs, 3);
    z.cleancache.invalidateInode(fs, 3);
    expect(z.report()).toMatchObject({ flush_total: 1, flush_found: 0, flobj_total: 2, flobj_found: 1, eph_zpages: 0 });
  });
});

describe('ramster', () => {
  const config = (size: number, downAt: number | null = null) => ({ peers: [{ node: 1, size, downAt }], target: 1, persRemotify: true, ephRemotify: true, rttUs: 100 });
  /** Trace time at record k (one record a second): the pass runs at 60 s and every second after. */
  const at = (r: Ramster, h: { recordsDone: number }, k: number) => {
    h.recordsDone = k;
    r.afterRecord();
  };

  it('a freed remote persistent entry is flushed at the next pass: the peer frees it then, or the flush fails if it is down', () => {
    for (const downAt of [null, 61]) {
      const h = host();
      const r = new Ramster(config(1 << 20, downAt), lz4, h, 100, true, 1);
      r.init();
      r.store(0, 1, content(1));
      at(r, h, 60);
      expect(r.ramsterReport()).toMatchObject({ pers_pages_remoted: 1, foreign_pers_pages: 1 });
      r.invalidatePage(0, 1);
      expect(r.ramsterReport()).toMatchObject({ foreign_pers_pages: 1 }); // still held until the pass
      at(r, h, 61);
      if (downAt === null) expect(r.ramsterReport()).toMatchObject({ remote_pages_flushed: 1, foreign_pers_pages: 0 });
      else expect(r.ramsterReport()).toMatchObject({ remote_page_flushes_failed: 1, foreign_pers_pages: 1 });
    }
  });

  it('a peer short of room drops its oldest foreign ephemeral zpages; a get of one then misses', () => {
    const h = host();
    const one = lz4.compress(content(1).bytes).length;
    const r = new Ramster(config(2 * one + 10), lz4, h, 100, true, 1);
    const fs = r.cleancache.initFs();
    for (let i = 0; i < 2; i++) r.cleancache.putPage(fs, 3, i, content(1)); // one pageframe, two zpages
    at(r, h, 60);
    for (let i = 2; i < 4; i++) r.cleancache.putPage(fs, 3, i, content(1));
    at(r, h, 61);
    expect(r.ramsterReport()).toMatchObject({ eph_pages_remoted: 4, foreign_eph_pages: 2 });
    expect(r.cleancache.getPage(fs, 3, 0)).toBeNull();
    expect(r.ramsterReport()).toMatchObject({ remote_eph_pages_unsucc_get: 1 });
    expect(r.cleancache.getPage(fs, 3, 3)).not.toBeNull();
    expect(r.ramsterReport()).toMatchObject({ remote_eph_pages_succ_get: 1, remote_get_wait_ns: 100_000 });
  });

  it('a non-exclusive persistent get brings the page back into a local bud, or counts pers_pages_remote_nomem and keeps it remote', () => {
    for (const free of [true, false]) {
      const h = host();
      const r = new Ramster(config(1 << 20), lz4, h, 100, false, 1);
      r.init();
      r.store(0, 1, content(1));
      at(r, h, 60);
      h.free = free;
      expect(r.load(0, 1)?.content.equals(content(1))).toBe(true);
      const m = r.ramsterReport();
      expect(m).toMatchObject(free ? { remote_pers_pages: 0, pers_pages_remote_nomem: 0, foreign_pers_pages: 0 } : { remote_pers_pages: 1, pers_pages_remote_nomem: 1 });
      expect(r.checkInvariants()).toBeNull();
    }
  });
});

describe('self-shrinking', () => {
  it('re-arms on growth or an empty pool; the inertia-th non-growing tick and every later one shrink by 1/hysteresis', () => {
    const s = new Selfshrink({ interval: 5, hysteresis: 20, inertia: 3 }, 2);
    expect([s.due(9), s.due(10), s.due(20), s.due(0)]).toEqual([false, true, true, false]);
    const targets = [0, 10, 10, 10, 10, 100, 100, 100, 90, 86].map((cur) => s.tick(cur));
    // 0: empty, re-arm; 10: grew; 10, 10: counting down; 10: the third, shrink to 0 (10 ≤ 20);
    // 100: grew; 100, 100: counting; 90: shrink to 90 − 4; 86: every later tick shrinks, 86 − 4
    expect(targets).toEqual([null, null, null, null, 0, null, null, null, 86, 82]);
    expect(s.stats.ticks).toBe(10);
  });
});
