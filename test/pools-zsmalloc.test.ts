import { describe, expect, it } from 'vitest';
import { EINVAL, ENOSPC } from '../src/mm/pools/zpool.js';
import { classTable, sizeClassIndex, ZsmallocPool, type ChainSize } from '../src/mm/pools/zsmalloc.js';

/** SPEC Appendix A: the merged classes as size/pages per zspage/objects per zspage. */
const APPENDIX_A: Record<ChainSize, string> = {
  4: '32/1/128 48/3/256 64/1/64 80/1/51 96/3/128 112/2/73 128/1/32 144/3/85 160/2/51 176/4/93 192/3/64 208/2/39 224/4/73 240/1/17 256/1/16 272/1/15 288/1/14 304/3/40 320/4/51 336/1/12 352/2/23 368/1/11 384/3/32 400/1/10 416/4/39 432/3/28 448/1/9 464/4/35 480/2/17 496/4/33 512/1/8 528/4/31 544/2/15 560/4/29 576/1/7 592/4/27 608/3/20 624/2/13 640/3/19 672/1/6 704/4/23 720/3/17 736/2/11 768/3/16 816/1/5 848/4/19 864/3/14 896/2/9 944/3/13 960/4/17 1024/1/4 1088/4/15 1104/3/11 1168/2/7 1216/3/10 1248/4/13 1360/1/3 1488/4/11 1536/3/8 1632/2/5 1744/3/7 1808/4/9 2048/1/2 2336/4/7 2448/3/5 2720/2/3 3072/3/4 3264/4/5 4096/1/1',
  8: '32/1/128 48/3/256 64/1/64 80/5/256 96/3/128 112/7/256 128/1/32 144/7/199 160/5/128 176/4/93 192/3/64 208/3/59 224/7/128 240/1/17 256/1/16 272/1/15 288/5/71 304/7/94 320/5/64 336/6/73 352/8/93 368/8/89 384/3/32 400/5/51 416/6/59 432/7/66 448/7/64 464/5/44 480/2/17 496/4/33 512/1/8 528/4/31 544/2/15 560/7/51 576/1/7 592/8/55 608/7/47 624/2/13 640/5/32 656/5/31 672/1/6 688/8/47 704/5/29 720/3/17 736/2/11 752/7/38 768/3/16 784/5/26 816/1/5 832/8/39 848/5/24 864/7/33 880/8/37 896/7/32 912/7/31 928/5/22 944/3/13 960/4/17 976/6/25 992/8/33 1024/1/4 1056/8/31 1072/5/19 1088/4/15 1104/3/11 1120/8/29 1136/5/18 1168/2/7 1184/7/24 1200/5/17 1216/3/10 1232/7/23 1248/4/13 1280/5/16 1296/7/22 1360/1/3 1424/8/23 1440/6/17 1456/5/14 1488/4/11 1504/7/19 1536/3/8 1552/8/21 1568/5/13 1584/7/18 1632/2/5 1680/7/17 1696/5/12 1712/8/19 1744/3/7 1792/7/16 1808/4/9 1856/5/11 1888/6/13 1904/7/15 1920/8/17 2048/1/2 2176/8/15 2192/7/13 2224/6/11 2272/5/9 2336/4/7 2384/7/12 2448/3/5 2512/8/13 2560/5/8 2592/7/11 2720/2/3 2864/7/10 2912/5/7 2976/8/11 3072/3/4 3184/7/9 3264/4/5 3408/5/6 3504/6/7 3584/7/8 3632/8/9 4096/1/1',
};

describe('zsmalloc size classes (zs_create_pool)', () => {
  for (const chain of [4, 8] as const) {
    it(`chain ${chain}: the merged classes derived by the rules are Appendix A's`, () => {
      const table = classTable(chain);
      expect(table.distinct.map((c) => `${c.size}/${c.ppz}/${c.opz}`).join(' ')).toBe(APPENDIX_A[chain]);
      expect(table.distinct.length).toBe(chain === 4 ? 69 : 119);
    });
  }

  it('zs_huge_class_size: 3257 with chains of 4 (6.1), 3625 with chains of 8 (6.3+)', () => {
    expect(classTable(4).hugeClassSize).toBe(3257);
    expect(classTable(8).hugeClassSize).toBe(3625);
  });

  it('an object of L bytes goes to the largest class of the run holding L + 8', () => {
    expect(sizeClassIndex(32)).toBe(0);
    expect(sizeClassIndex(33)).toBe(1);
    expect(sizeClassIndex(4096)).toBe(254);
    expect(sizeClassIndex(4104)).toBe(254); // a 4096-byte object plus its handle still lands in the 4096 class
    const pool = new ZsmallocPool(4);
    // kernel-notes-6x Part B §2: L 1–24 → 32, 25–40 → 48, 3065–3256 → 3264, 3257–4096 → 4096 (huge)
    expect(pool.classOf(24).size).toBe(32);
    expect(pool.classOf(25).size).toBe(48);
    expect(pool.classOf(601).size).toBe(624);
    expect(pool.classOf(3256).size).toBe(3264);
    expect(pool.classOf(3257)).toMatchObject({ size: 4096, ppz: 1, opz: 1 });
    expect(new ZsmallocPool(8).classOf(3624).size).toBe(3632);
    expect(new ZsmallocPool(8).classOf(3625).size).toBe(4096);
  });
});

describe('zsmalloc placement', () => {
  it('stores only: pages = Σ ppz × ceil(objects / opz) per class', () => {
    for (const chain of [4, 8] as const) {
      const pool = new ZsmallocPool(chain);
      const sizes = [100, 100, 100, 1500, 1500, 3000, 3900, 700, 700, 700, 700, 700, 700, 700, 700, 700];
      for (const s of sizes) expect(pool.malloc(s)).toBeGreaterThan(0);
      const perClass = new Map<number, number>();
      for (const s of sizes) perClass.set(pool.classOf(s).index, (perClass.get(pool.classOf(s).index) ?? 0) + 1);
      let expected = 0;
      for (const [index, n] of perClass) {
        const c = pool.table.byIndex[index];
        expected += c.ppz * Math.ceil(n / c.opz);
      }
      expect(pool.pages).toBe(expected);
      expect(pool.checkInvariants()).toBeNull();
    }
  });

  it('a new zspage takes ppz frames at once, whatever the machine has free', () => {
    const pool = new ZsmallocPool(8);
    const cls = pool.classOf(560 - 8); // 560/7/51
    expect(cls).toMatchObject({ size: 560, ppz: 7, opz: 51 });
    pool.malloc(552);
    expect(pool.pages).toBe(7);
    for (let i = 1; i < 51; i++) pool.malloc(552);
    expect(pool.pages).toBe(7);
    pool.malloc(552);
    expect(pool.pages).toBe(14);
  });

  it('an emptied zspage is freed at once', () => {
    const pool = new ZsmallocPool(4);
    const a = pool.malloc(1000);
    const b = pool.malloc(1000);
    expect(pool.pages).toBe(1); // class 1024: 1 page, 4 objects
    pool.free(a);
    expect(pool.pages).toBe(1);
    pool.free(b);
    expect(pool.pages).toBe(0);
    expect(pool.checkInvariants()).toBeNull();
  });

  it('6.1 groups: EMPTY, ALMOST_EMPTY (≤ 3/4), ALMOST_FULL, FULL', () => {
    const pool = new ZsmallocPool(4);
    const c = pool.classOf(1000); // opz 4
    expect([0, 1, 2, 3, 4].map((n) => pool.fullness(c, n))).toEqual([0, 1, 1, 1, 3]);
    const d = pool.classOf(100); // 112/2/73
    expect(pool.fullness(d, 54)).toBe(1); // 3 × 73 / 4 = 54
    expect(pool.fullness(d, 55)).toBe(2);
  });

  it('6.3+ groups: tenths of occupancy, 0 and 11 for empty and full', () => {
    const pool = new ZsmallocPool(8);
    const c = pool.classOf(552); // 51 objects
    expect(pool.fullness(c, 0)).toBe(0);
    expect(pool.fullness(c, 1)).toBe(1); // 1 of 51: ratio 1 %, group "10"
    expect(pool.fullness(c, 26)).toBe(6); // 50 %
    expect(pool.fullness(c, 50)).toBe(10); // 98 %
    expect(pool.fullness(c, 51)).toBe(11);
  });

  it('allocation takes the fullest zspage with room (6.3+: from group 10 down)', () => {
    const pool = new ZsmallocPool(8);
    const hs = Array.from({ length: 4 }, () => pool.malloc(1000)); // 1024 class: 1 page, 4 objects
    const more = Array.from({ length: 4 }, () => pool.malloc(1000)); // a second zspage
    expect(pool.pages).toBe(2);
    // zspage 1 down to 1 object (group 3), zspage 2 down to 3 objects (group 8)
    pool.free(hs[0]);
    pool.free(hs[1]);
    pool.free(hs[2]);
    pool.free(more[0]);
    pool.malloc(1000); // goes to zspage 2 (fuller): it becomes full
    pool.malloc(1000); // now zspage 1
    pool.malloc(1000);
    pool.malloc(1000);
    expect(pool.pages).toBe(2);
    pool.malloc(1000); // both full: a new zspage
    expect(pool.pages).toBe(3);
    expect(pool.checkInvariants()).toBeNull();
  });

  it('6.1: allocation takes the head of ALMOST_FULL before ALMOST_EMPTY', () => {
    const pool = new ZsmallocPool(4);
    const cls = pool.classOf(400); // 416/4/39: ALMOST_EMPTY while ≤ 29 objects
    expect(cls.opz).toBe(39);
    const z1 = Array.from({ length: 39 }, () => pool.malloc(400));
    const z2 = Array.from({ length: 39 }, () => pool.malloc(400));
    expect(pool.pages).toBe(8);
    for (let i = 0; i < 15; i++) pool.free(z1[i]); // z1: 24, ALMOST_EMPTY
    pool.free(z2[0]); // z2: 38, ALMOST_FULL
    pool.malloc(400); // into z2
    for (let i = 15; i < 39; i++) pool.free(z1[i]); // z1 empties and is freed
    expect(pool.pages).toBe(4);
    expect(pool.checkInvariants()).toBeNull();
  });

  it('refuses over 4096 bytes; cannot shrink', () => {
    const pool = new ZsmallocPool(8);
    expect(pool.malloc(4097)).toBe(ENOSPC);
    expect(pool.malloc(4096)).toBeGreaterThan(0);
    expect(pool.shrink()).toBe(EINVAL);
    expect(pool.evictable).toBe(false);
  });

  it('reports allocations per class and the objects each class holds', () => {
    const pool = new ZsmallocPool(8);
    const a = pool.malloc(100);
    pool.malloc(100);
    pool.malloc(3000);
    pool.free(a);
    const d = pool.distribution();
    expect(d.object_sizes).toEqual({ [String(pool.classOf(100).size)]: 2, [String(pool.classOf(3000).size)]: 1 });
    expect(d.occupancy).toEqual({ [String(pool.classOf(100).size)]: 1, [String(pool.classOf(3000).size)]: 1 });
  });
});
