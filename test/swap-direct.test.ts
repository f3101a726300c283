/*
 * The swap path of 6.12 and 6.18, where zswap is called without frontswap
 * (SPEC §6.1): the zeromap, exclusive loads, silent replacement of
 * duplicates and check_old, reject_compress_fail and raw stores, the
 * shrink worker with its second chance, pace and give-up — and page-out
 * records (§3 step 7), which every profile has.
 */
import { describe, expect, it } from 'vitest';
import type { Content } from '../src/mm/content.js';
import type { MachineConfig } from '../src/mm/replay.js';
import { TrimCodec, lruOrder, machine, o, r, rec, residentPage, run, sized, w, wz } from './support/machine.js';

/** A 6.12 machine whose pool limit is out of the way (zspages take up to 8 pages). */
const k612 = (over: Partial<MachineConfig> = {}, codec: 'lz4' | TrimCodec = 'lz4') => machine({ kernel: '6.12', max_pool_percent: 100_000, ...over }, codec);

describe('the zeromap (6.12+)', () => {
  it('a zero page goes to the zeromap: no zswap, no I/O; a fault fills zeros and keeps the bit', () => {
    const m = run(k612(), wz(1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5)); // 1 evicted
    expect(m.io).toMatchObject({ swapouts: 1, swpout_zero: 1, pswpout: 0 });
    expect(m.zswap.stats.stored_pages).toBe(0);
    expect(m.zswap.compression.pages).toBe(0);
    run(m, r(1, 1));
    expect(m.io).toMatchObject({ swapins: 1, swpin_zero: 1, pswpin: 0 });
    expect(m.verify).toMatchObject({ loads_checked: 1, corrupt_loads: 0 });
    const p1 = residentPage(m, 1)!;
    expect(p1.dirty).toBe(false); // a zeromap read is not exclusive
    expect(p1.type).toBe(0);
  });

  it('a non-zero same-filled page is compressed like any page', () => {
    const fill = new Uint8Array(4096).fill(0xab);
    const m = run(k612(), rec('w', 1, 1, fill), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5));
    expect(m.zswap.compression.pages).toBe(1);
    expect(m.zswap.stats.stored_pages).toBe(1);
    expect(m.io.swpout_zero).toBe(0);
  });

  it('--zeromap off sends zero pages to zswap', () => {
    const m = run(k612({ zeromap: false }), wz(1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5));
    expect(m.io.swpout_zero).toBe(0);
    expect(m.zswap.stats.stored_pages).toBe(1);
  });

  it('a zero swap-out leaves a zswap entry at its slot behind (stale_zswap_entries)', () => {
    // exclusive loads off and swapcache-write keep: the entry survives the fault and the slot is kept
    const m = k612({ exclusiveLoads: false, swapcacheWrite: 'keep' });
    run(m, w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5)); // 1 stored in zswap
    run(m, r(1, 1), wz(1, 1)); // back, rewritten with zeros, slot kept
    run(m, w(1, 6, 6), w(1, 7, 7), w(1, 8, 8), w(1, 9, 9)); // 1 evicted: a zero page at a slot zswap holds
    expect(m.io.swpout_zero).toBe(1);
    expect(m.verify.stale_zswap_entries).toBe(1);
    expect(m.zswap.stats.stored_pages).toBeGreaterThan(0);
    run(m, r(1, 1)); // the zeromap wins over the stale entry
    expect(m.verify.corrupt_loads).toBe(0);
    expect(m.io.swpin_zero).toBe(1);
  });
});

describe('zswap loads and duplicates without frontswap', () => {
  it('exclusive loads free the entry and dirty the page, which keeps its slot', () => {
    const m = run(k612(), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5));
    expect(m.zswap.stats.stored_pages).toBe(1);
    run(m, r(1, 1));
    expect(m.zswap.stats.stored_pages).toBe(1); // 1's entry freed, 2's stored
    expect(m.zswap.vmstat).toMatchObject({ zswpout: 2, zswpin: 1 });
    const p1 = residentPage(m, 1)!;
    expect(p1).toMatchObject({ dirty: true, type: 0 });
    run(m, w(1, 6, 6), w(1, 7, 7), w(1, 8, 8), w(1, 9, 9)); // 1 evicted again: stored to the same slot, no duplicate
    expect(m.zswap.hasEntry(0, p1.offset)).toBe(true);
    m.finalCheck();
    expect(m.verify.corrupt_loads).toBe(0);
  });

  it('non-exclusive loads keep the entry; the page is clean', () => {
    const m = run(k612({ exclusiveLoads: false }), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5), r(1, 1));
    expect(m.zswap.stats.stored_pages).toBe(2);
    expect(residentPage(m, 1)!.dirty).toBe(false);
  });

  // a page faulted back with exclusive loads off keeps its entry; rewritten keeping its slot, its next store is a duplicate
  function duplicate(over: Partial<MachineConfig>, second: Content) {
    const m = k612({ exclusiveLoads: false, swapcacheWrite: 'keep', max_pool_percent: 1000, ...over }, new TrimCodec());
    run(m, rec('w', 1, 1, sized(100, 1)), rec('w', 1, 2, sized(100, 2)), rec('w', 1, 3, sized(100, 3)), rec('w', 1, 4, sized(100, 4)), rec('w', 1, 5, sized(100, 5)));
    run(m, r(1, 1), rec('w', 1, 1, second));
    const slot = residentPage(m, 1)!.offset;
    run(m, rec('w', 1, 6, sized(100, 6)), rec('w', 1, 7, sized(100, 7)), rec('w', 1, 8, sized(100, 8)), rec('w', 1, 9, sized(100, 9)));
    return { m, slot };
  }

  it('replace: a duplicate is replaced at insert with no counter', () => {
    const second = sized(200, 42);
    const { m, slot } = duplicate({}, second);
    expect(m.zswap.peek(0, slot)!.content).toBe(second);
    expect(m.zswap.stats.duplicate_entry).toBe(0);
    run(m, r(1, 1));
    expect(m.verify.corrupt_loads).toBe(0);
  });

  it('replace: a store that fails erases the old entry (check_old); the device gets the new copy', () => {
    const { m, slot } = duplicate({}, sized(100, 0xee)); // does not fit: reject_compress_fail
    expect(m.zswap.stats.reject_compress_fail).toBe(1);
    expect(m.zswap.hasEntry(0, slot)).toBe(false);
    run(m, r(1, 1));
    expect(m.verify.corrupt_loads).toBe(0);
    expect(m.io.pswpin).toBe(1);
  });

  it('stale (a broken backend) keeps the old entry on a failed duplicate: the next load returns old data', () => {
    const { m } = duplicate({ duplicate: 'stale' }, sized(100, 77));
    run(m, r(1, 1));
    expect(m.verify.corrupt_loads).toBe(1);
    expect(m.corrupt[0]).toMatchObject({ vpn: 1, source: 'zswap', when: 'fault' });
  });
});

describe('pages that do not compress into one page', () => {
  it('6.12: reject_compress_fail, and the page goes to the device', () => {
    const m = run(k612({}, new TrimCodec()), rec('w', 1, 1, sized(100, 0xee)), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5));
    expect(m.zswap.stats.reject_compress_fail).toBe(1);
    expect(m.zswap.compression.overflowPages).toBe(1);
    expect(m.io.pswpout).toBe(1);
  });

  it('6.18: stored raw as a 4096-byte object (stored_incompressible_pages); a load copies it', () => {
    const m = run(machine({ kernel: '6.18' }, new TrimCodec()), rec('w', 1, 1, sized(100, 0xee)), rec('w', 1, 2, sized(4096, 2)));
    run(m, w(1, 3, 3), w(1, 4, 4), w(1, 5, 5), w(1, 6, 6));
    expect(m.zswap.stats).toMatchObject({ stored_pages: 2, stored_incompressible_pages: 2, reject_compress_fail: 0 });
    expect(m.zswap.bytesStored()).toBe(2 * 4096);
    expect(m.zswap.pool.pages).toBe(2); // two huge zsmalloc objects
    run(m, r(1, 1));
    expect(m.zswap.stats.stored_incompressible_pages).toBe(1);
    expect(m.verify).toMatchObject({ loads_checked: 1, corrupt_loads: 0 });
    expect(m.zswap.compression.decompressNs.count).toBe(0); // a copy, not a decompression
  });
});

describe('the 6.12 shrink worker', () => {
  // 200 frames of RAM, max_pool_percent 10: the limit is 20 pool pages; 3000-byte objects, one per zbud page
  const limited = (over: Partial<MachineConfig> = {}) => k612({ zpool: 'zbud', ramPages: 200, max_pool_percent: 10, ...over }, new TrimCodec());
  /** Writes pages from..to−1 and pages them out, one record each. */
  function pageout(m: ReturnType<typeof limited>, from: number, to: number) {
    for (let i = from; i < to; i++) run(m, rec('w', 1, i, sized(3000, i + 1)));
    for (let i = from; i < to; i++) run(m, o(1, i));
    return m;
  }

  it('hits the limit at the live pool size; a run that finds only second-chance bits gives up after 16 failures', () => {
    const m = pageout(limited(), 0, 21);
    const z = m.zswap.stats;
    expect(z.pool_limit_hit).toBe(1); // the 21st store found 20 pages
    expect(m.zswap.pool.pages).toBe(20);
    expect(z.written_back_pages).toBe(0); // 16 entries lost their bit, then the run gave up
    expect(m.zswap.workerRunning).toBe(false);
    expect([...m.zswap.lru].filter((e) => e.referenced).length).toBe(4);
  });

  it('the next failed store starts a new run: the last bits go, then the oldest entries are written back to the threshold', () => {
    const m = pageout(limited(), 0, 22);
    const z = m.zswap.stats;
    expect(z.pool_limit_hit).toBe(2);
    expect(z.written_back_pages).toBe(2); // down to the threshold, floor(20 × 90 / 100) = 18
    expect(m.zswap.pool.pages).toBe(18);
    expect(m.zswap.vmstat.zswpwb).toBe(2);
    expect(m.io.pswpout).toBe(4); // two refused stores, two writebacks
    // the pool is at the threshold: the hysteresis lets the next store in
    pageout(m, 22, 23);
    expect(m.zswap.pool.pages).toBe(19);
  });

  it('pace N: at most N writebacks at the end of each record; sync: a run ends at once', () => {
    // threshold 50 %: the second run must write 10 entries back
    const paced = pageout(limited({ accept_threshold_percent: 50, shrinkWorkerPace: 2 }), 0, 22);
    expect(paced.zswap.stats.written_back_pages).toBe(2);
    expect(paced.zswap.workerRunning).toBe(true);
    for (let i = 1; i <= 4; i++) {
      run(paced, r(1, 999)); // any record gives the worker its share
      expect(paced.zswap.stats.written_back_pages).toBe(2 + 2 * i);
    }
    expect(paced.zswap.workerRunning).toBe(false);
    expect(paced.zswap.pool.pages).toBe(10);
    const sync = pageout(limited({ accept_threshold_percent: 50, shrinkWorkerPace: 'sync' }), 0, 22);
    expect(sync.zswap.stats.written_back_pages).toBe(10);
    expect(sync.zswap.workerRunning).toBe(false);
  });

  it('a writeback fails while the slot’s page is in the swap cache (reject_reclaim_fail)', () => {
    const m = pageout(limited({ exclusiveLoads: false }), 0, 20);
    for (let i = 0; i < 20; i++) run(m, r(1, i)); // every stored page back in the swap cache, entries kept
    pageout(m, 20, 22);
    expect(m.zswap.stats.reject_reclaim_fail).toBeGreaterThan(0);
    expect(m.zswap.stats.written_back_pages).toBe(0);
    expect(m.zswap.workerRunning).toBe(false);
  });
});

describe('page-out records (MADV_PAGEOUT)', () => {
  it('pages one resident page out at once, whatever the free frames; counted as pageouts, not evictions', () => {
    const m = run(machine({ ramPages: 100 }), w(1, 1, 1), w(1, 2, 2), o(1, 1));
    expect(m.vm).toMatchObject({ pageouts: 1, evictions: 0 });
    expect(m.io.swapouts).toBe(1);
    expect(lruOrder(m)).toEqual([2]);
  });

  it('a swapped or absent page: only pageout_skipped', () => {
    const m = run(machine({ ramPages: 100 }), w(1, 1, 1), o(1, 1), o(1, 1), o(1, 9));
    expect(m.vm).toMatchObject({ pageouts: 1, pageout_skipped: 2 });
  });

  it('a clean swap-cache page is dropped without a store', () => {
    const m = run(machine({ ramPages: 100 }), w(1, 1, 1), o(1, 1), r(1, 1), o(1, 1));
    expect(m.vm.pageouts).toBe(2);
    expect(m.io.swapouts).toBe(1);
  });

  it('no free slot: the page stays resident at the MRU end and the run goes on (pageout_no_swap)', () => {
    const m = run(machine({ ramPages: 100, swapSlots: [2] }), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), o(1, 1), o(1, 2));
    expect(m.vm).toMatchObject({ pageouts: 2, pageout_no_swap: 1 });
    expect(lruOrder(m)).toEqual([2, 3]);
    expect(residentPage(m, 2)!.type).toBe(-1);
  });

  it('under 5.10 a failed store runs its shrink before the device write, as reclaim does', () => {
    // the limit is 0: every store into a non-empty pool hits it
    const m = run(machine({ ramPages: 100, max_pool_percent: 0 }, new TrimCodec()), rec('w', 1, 1, sized(3000, 1)), rec('w', 1, 2, sized(3000, 2)));
    run(m, o(1, 1)); // stored into the empty pool
    run(m, o(1, 2)); // pool full: hit, then the shrink writes 1 back before 2 goes to the device
    expect(m.zswap.stats).toMatchObject({ pool_limit_hit: 1, written_back_pages: 1 });
    expect(m.io.pswpout).toBe(2);
  });
});

describe('zsmalloc takes its pages from the reserves', () => {
  it('a new zspage may take the machine over its RAM; the next frame taken reclaims until one is free', () => {
    // 3 frames, the pool in RAM; 610-byte objects go to the 624-byte class: 2-page zspages under chain 8
    const m = machine({ kernel: '6.12', ramPages: 3, poolInRam: true, max_pool_percent: 100, checkInvariants: false }, new TrimCodec());
    run(m, rec('w', 1, 1, sized(610, 1)), rec('w', 1, 2, sized(610, 2)), rec('w', 1, 3, sized(610, 3)));
    run(m, o(1, 1)); // a page-out runs no reclaim: the store takes a 2-page zspage with one frame free
    expect(m.zswap.pool.pages).toBe(2);
    expect(m.resident + m.zswap.pool.pages).toBe(4);
    run(m, rec('w', 1, 4, sized(610, 4))); // needs a frame: reclaim evicts until one is free
    expect(m.resident + m.zswap.pool.pages).toBeLessThanOrEqual(3);
    expect(m.vm.evictions).toBe(2);
  });
});

