import { describe, expect, it } from 'vitest';
import { createCodec } from '../src/compress/registry.js';
import { OutOfResourcesError } from '../src/errors.js';
import type { Machine, MachineConfig } from '../src/mm/replay.js';
import { page } from './helpers.js';
import { P, f, lruOrder, machine, r, rec, run, w, x } from './support/machine.js';

describe('replay: accesses', () => {
  it('w to an absent page takes a frame; the page is dirty at the MRU end', () => {
    const m = run(machine(), w(1, 10, 1), w(1, 11, 2));
    expect(m.resident).toBe(2);
    expect(lruOrder(m)).toEqual([11, 10]);
    expect([...m.lru].every((p) => p.dirty && p.type < 0)).toBe(true);
  });

  it('r and w to a resident page move it to the MRU end', () => {
    const m = run(machine(), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), r(1, 1));
    expect(lruOrder(m)).toEqual([1, 3, 2]);
    run(m, w(1, 2, 4));
    expect(lruOrder(m)).toEqual([2, 1, 3]);
  });

  it('r to an absent page maps the zero page: no frame', () => {
    const m = run(machine(), r(1, 5));
    expect(m.vm.zero_page_reads).toBe(1);
    expect(m.resident).toBe(0);
  });

  it('f frees a resident page; f to an absent page is counted and ignored', () => {
    const m = run(machine(), w(1, 1, 1), f(1, 1), f(1, 1));
    expect(m.resident).toBe(0);
    expect(m.vm.free_absent).toBe(1);
  });

  it('vm.accesses counts w, r, f and x; d is not an access', () => {
    const m = run(machine(), w(1, 1, 1), r(1, 1), f(1, 1), x(1), rec('d', 0, 0));
    expect(m.vm.accesses).toBe(4);
  });
});

describe('replay: reclaim', () => {
  it('evicts from the LRU tail when no frame is free; swapouts count stores', () => {
    const m = run(machine(), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5));
    expect(m.vm.evictions).toBe(1);
    expect(m.io.swapouts).toBe(1);
    expect(lruOrder(m)).toEqual([5, 4, 3, 2]);
    expect(m.frontswap!.stats.succ_stores).toBe(1);
  });

  it('evicts the whole batch even when a frame is free earlier', () => {
    const m = run(machine({ reclaimBatch: 3 }), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5));
    expect(m.vm.evictions).toBe(3);
    expect(lruOrder(m)).toEqual([5, 4]);
  });

  it('a batch is at most the resident pages', () => {
    const m = run(machine({ reclaimBatch: 32 }), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5));
    expect(m.vm.evictions).toBe(4);
  });

  it('a clean page holding a slot is dropped without a store', () => {
    const m = run(machine(), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5)); // 1 out
    run(m, r(1, 1)); // fault: 2 out, 1 back clean in the swap cache
    expect(m.io.swapouts).toBe(2);
    run(m, w(1, 6, 6), w(1, 7, 7), w(1, 8, 8), w(1, 9, 9)); // 3, 4, 5 out, then 1 (clean)
    expect(m.vm.evictions).toBe(6);
    expect(m.io.swapouts).toBe(5);
  });

  it('pool pages take RAM frames with --pool-in-ram on', () => {
    const m = run(machine({ poolInRam: true, ramPages: 4, reclaimBatch: 1 }), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5));
    // evicting 1 put a zbud page in the frame it released, so another eviction was needed
    expect(m.zswap.pool.pages).toBe(1);
    expect(m.vm.evictions).toBe(2);
    expect(m.resident).toBe(3);
  });

  it('stops with out of memory when the pool holds every frame', () => {
    const m = machine({ poolInRam: true, ramPages: 2, max_pool_percent: 1000, same_filled_pages: false });
    const big = (n: number) => page(n, 2500); // one object per zbud page
    expect(() => run(m, rec('w', 1, 1, big(1)), rec('w', 1, 2, big(2)), rec('w', 1, 3, big(3)), rec('w', 1, 4, big(4)))).toThrow(
      /out of memory at test:\d+/,
    );
  });

  it('stops with out of swap, naming the line and the sizes', () => {
    const m = machine({ swapSlots: [3], ramPages: 1 }); // 2 usable slots
    const err = (() => {
      try {
        run(m, w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(OutOfResourcesError);
    expect((err as Error).message).toMatch(/^out of swap at test:\d+: no free slot among 2 \(swap 3p, RAM 1p\)/);
  });
});

describe('replay: major faults and the swap cache', () => {
  function swappedOne(over: Partial<MachineConfig> = {}) {
    const m = run(machine(over), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5));
    const p1 = m.lru.tail() === null ? null : [...m.lru].find((p) => p.vpn === 1);
    expect(p1).toBeUndefined(); // 1 is swapped
    return m;
  }

  it('a fault loads from zswap, verifies, and leaves the page clean in the swap cache', () => {
    const m = swappedOne();
    run(m, r(1, 1));
    expect(m.vm.major_faults).toBe(1);
    expect(m.io.swapins).toBe(1);
    expect(m.frontswap!.stats.loads).toBe(1);
    expect(m.verify.loads_checked).toBe(1);
    expect(m.verify.corrupt_loads).toBe(0);
    const p1 = [...m.lru].find((p) => p.vpn === 1)!;
    expect(p1.dirty).toBe(false);
    expect(p1.type).toBe(0);
    expect(m.swap.mapOf(0, p1.offset)).toBe(0x40);
    expect(m.zswap.stats.stored_pages).toBe(2); // the load is non-exclusive
  });

  it('a write to a swap-cache page frees its slot (free) and invalidates zswap', () => {
    const m = swappedOne();
    run(m, r(1, 1), w(1, 1, 9));
    const p1 = [...m.lru].find((p) => p.vpn === 1)!;
    expect(p1.type).toBe(-1);
    expect(p1.dirty).toBe(true);
    expect(m.frontswap!.stats.invalidates).toBe(1);
  });

  it('keep: the slot stays, and the next eviction stores to it again', () => {
    const m = swappedOne({ swapcacheWrite: 'keep', kernel: '3.11', duplicate: 'overwrite', frontswapDup: 'clear' });
    run(m, r(1, 1), w(1, 1, 9));
    const p1 = [...m.lru].find((p) => p.vpn === 1)!;
    const slot = p1.offset;
    expect(p1.type).toBe(0);
    expect(p1.dirty).toBe(true);
    run(m, w(1, 6, 6), w(1, 7, 7), w(1, 8, 8), w(1, 9, 9));
    expect(p1.offset).toBe(slot);
    expect(m.zswap.stats.duplicate_entry).toBe(1);
  });

  it('vm_swap_full after a fault frees the slot and dirties the page', () => {
    // 4 usable slots: 3 in use after the evictions → more than half
    const m = run(machine({ swapSlots: [5], ramPages: 2 }), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4));
    expect(m.swap.usedSlots).toBe(2);
    run(m, r(1, 1)); // evicts 3 (slot 3), faults 1
    const p1 = [...m.lru].find((p) => p.vpn === 1)!;
    expect(p1.type).toBe(-1);
    expect(p1.dirty).toBe(true);
    expect(m.swap.usedSlots).toBe(2);
  });

  it('a fault reads the device when zswap does not hold the page', () => {
    // page 1 is incompressible: its store fails and it goes to the device
    const m = run(machine(), rec('w', 1, 1, page(1)), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5));
    expect(m.frontswap!.stats.failed_stores).toBe(1);
    expect(m.io.pswpout).toBe(1);
    run(m, r(1, 1));
    expect(m.io.pswpin).toBe(1);
    expect(m.verify.corrupt_loads).toBe(0);
  });

  it('f and x release slots; x frees every page of the address space', () => {
    const m = swappedOne();
    run(m, w(2, 1, 7), f(1, 2), x(1));
    expect(m.swap.usedSlots).toBe(0);
    expect(m.zswap.stats.stored_pages).toBe(0);
    expect(lruOrder(m)).toEqual([1]);
    expect(m.frontswap!.stats.invalidates).toBeGreaterThan(0);
  });
});

describe('replay: verification and swapoff', () => {
  it('checks every swapped page at the end, then swapoff leaves the pool empty', () => {
    const m = run(machine(), w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5), w(1, 6, 6));
    m.finalCheck();
    expect(m.verify.final_checked).toBe(2);
    expect(m.verify.corrupt_loads).toBe(0);
    expect(m.zswap.stats.stored_pages).toBe(2);
    m.swapoffAll();
    expect(m.zswap.pool.pages).toBe(0);
  });

  it('a stale backend (--duplicate stale) is caught by verification', () => {
    const m = machine({ kernel: '3.11', duplicate: 'stale', frontswapDup: 'clear', swapcacheWrite: 'keep' });
    run(m, w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5), r(1, 1), w(1, 1, 99));
    // 1 is dirty in the swap cache with its old slot; evict it: a duplicate store
    run(m, w(1, 6, 6), w(1, 7, 7), w(1, 8, 8), w(1, 9, 9));
    expect(m.frontswap!.stats.failed_stores).toBe(1);
    expect(m.io.pswpout).toBe(1); // the new content went to the device
    expect(m.verify.corrupt_loads).toBe(0);
    // the stale entry lingers without its bit; the next eviction fills the
    // pool, sync reclaim writes the stale entry back over the device copy,
    // and the fault reads old data
    run(m, r(1, 1));
    expect(m.zswap.stats.written_back_pages).toBeGreaterThan(0);
    expect(m.verify.corrupt_loads).toBe(1);
    expect(m.corrupt[0]).toMatchObject({ as: 1, vpn: 1, source: 'device', when: 'fault' });
  });
});

describe('replay: the slot allocator in a run', () => {
  it('fills the higher-priority device first', () => {
    const m = machine({ swapSlots: [9, 9], swapPrio: [-5, 3], ramPages: 2 });
    run(m, w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4));
    expect(m.swap.devices[1].inusePages).toBe(2);
    expect(m.swap.devices[0].inusePages).toBe(0);
  });

  it('when swap is full, allocation takes the slot of a clean swap-cache page, which turns dirty', () => {
    // 5 usable slots, 2 frames, batches of 1
    const m = machine({ swapSlots: [6], ramPages: 2 });
    const slotOf = (vpn: number) => [...m.lru].find((p) => p.vpn === vpn) ?? null;
    run(m, w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4)); // 1 → slot 1, 2 → slot 2
    run(m, f(1, 1)); // slot 1 free again: lowest_bit 1
    run(m, r(1, 2)); // 3 → slot 3; 2 back, clean, keeps slot 2 (2 of 5 used)
    expect(slotOf(2)).toMatchObject({ type: 0, offset: 2, dirty: false });
    run(m, w(1, 5, 5), r(1, 2)); // 4 → slot 4
    run(m, w(1, 6, 6), r(1, 2)); // 5 → slot 5 (the highest)
    run(m, f(1, 3)); // slot 3 free
    run(m, w(1, 7, 7), r(1, 2)); // 6: cluster_next 6 is past highest_bit, so lowest_bit: slot 1
    expect(m.swap.usedSlots).toBe(4);
    const invalidates = m.frontswap!.stats.invalidates;
    // 7 is evicted: one slot is free (3) but the scan starts at cluster_next 2,
    // swap is full counting this allocation, and slot 2 holds only 2's swap
    // cache: 2 loses it and turns dirty, and 7 takes slot 2
    run(m, w(1, 8, 8));
    expect(slotOf(2)).toMatchObject({ type: -1, dirty: true });
    expect(m.frontswap!.stats.invalidates).toBe(invalidates + 1);
    expect(m.swap.mapOf(0, 2)).toBe(1); // 7, swapped out on slot 2
    expect(m.swap.mapOf(0, 3)).toBe(0); // the free slot was not reached
  });
});

describe('duplicate stores: every frontswap mode × zswap policy', () => {
  // P is stored, faulted back (the zswap copy stays: loads are non-exclusive),
  // rewritten in the swap cache with --swapcache-write keep, and evicted again:
  // a second store to the same slot while zswap still holds the first copy.
  function duplicateStore(frontswapDup: MachineConfig['frontswapDup'], duplicate: MachineConfig['duplicate']) {
    const m = machine({ frontswapDup, duplicate, swapcacheWrite: 'keep', max_pool_percent: 1000 });
    run(m, w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4), w(1, 5, 5)); // P = VPN 1 stored
    run(m, r(1, 1), w(1, 1, 42)); // back, then rewritten keeping its slot
    const slot = [...m.lru].find((p) => p.vpn === 1)!.offset;
    const storesBefore = m.frontswap!.stats.succ_stores + m.frontswap!.stats.failed_stores;
    run(m, w(1, 6, 6), w(1, 7, 7), w(1, 8, 8), w(1, 9, 9)); // P evicted: the duplicate store
    return { m, slot, stores: m.frontswap!.stats.succ_stores + m.frontswap!.stats.failed_stores - storesBefore };
  }

  const modes = ['clear', 'invalidate-on-fail', 'invalidate-first'] as const;
  const policies = ['overwrite', 'reject', 'bug', 'stale'] as const;
  for (const mode of modes) {
    for (const policy of policies) {
      it(`${mode} × ${policy}`, () => {
        if (mode !== 'invalidate-first' && policy === 'bug') {
          expect(() => duplicateStore(mode, policy)).toThrow(/BUG: duplicate store to swap type 0 offset \d+/);
          return;
        }
        const { m, slot, stores } = duplicateStore(mode, policy);
        expect(stores).toBeGreaterThan(0);
        const z = m.zswap.stats;
        const entry = m.zswap.trees[0].get(slot);
        if (mode === 'invalidate-first') {
          // frontswap invalidated first: the backend never saw a duplicate
          expect(z.duplicate_entry).toBe(0);
          expect(m.frontswap!.test(0, slot)).toBe(true);
          expect(entry).toBeDefined();
        } else if (policy === 'overwrite') {
          expect(z.duplicate_entry).toBe(1);
          expect(m.frontswap!.test(0, slot)).toBe(true);
        } else if (policy === 'reject') {
          expect(z.duplicate_entry).toBe(1);
          expect(m.frontswap!.test(0, slot)).toBe(false);
          expect(entry).toBeUndefined();
        } else {
          // stale: the old copy stays unless frontswap invalidates it on failure
          expect(z.duplicate_entry).toBe(0);
          expect(m.frontswap!.test(0, slot)).toBe(false);
          expect(entry === undefined).toBe(mode === 'invalidate-on-fail');
        }
        // without pool pressure nothing is written back, so every load is right
        run(m, r(1, 1));
        m.finalCheck();
        expect(m.verify.corrupt_loads).toBe(0);
        expect(z.written_back_pages).toBe(0);
      });
    }
  }
});

describe('replay: reject-shrink runs while the page is still in the swap cache', () => {
  it('a shrink after a failed duplicate store cannot write the stale entry back over the new copy', () => {
    // The pool may hold nothing (limit 0): any store into a non-empty pool hits
    // the limit and queues one shrink. P's first copy E1 is the only entry.
    const m = machine({ frontswapDup: 'clear', duplicate: 'overwrite', swapcacheWrite: 'keep', ramPages: 3, max_pool_percent: 0 });
    run(m, w(1, 1, 1), w(1, 2, 2), w(1, 3, 3), w(1, 4, 4)); // P (VPN 1) stored into the empty pool: E1
    expect(m.zswap.stats.stored_pages).toBe(1);
    run(m, f(1, 2), r(1, 1), w(1, 1, 99)); // P back (a free frame: no reclaim), rewritten, slot kept; E1 stays
    run(m, w(1, 5, 5), w(1, 6, 6)); // 3 and 4 evicted into a full pool: their shrinks find E1, whose page is cached
    run(m, w(1, 7, 7)); // P evicted: a duplicate store fails on the full pool (bit cleared, E1 lingers)
    const z = m.zswap.stats;
    expect(z.pool_limit_hit).toBe(3);
    // each shrink ran before P left the swap cache, so E1 was never written back
    expect(z.written_back_pages).toBe(0);
    expect(z.reject_reclaim_fail).toBe(3);
    m.finalCheck(); // P's bit is clear: the device holds the new content
    expect(m.verify.corrupt_loads).toBe(0);
  });
});

describe('replay: blocks compressed ahead by a worker pool', () => {
  const lz4 = createCodec('lz4');
  /** RAM of two pages: after w 0, w 1 the next write evicts VPN 0, the LRU tail. */
  function twoPages(): Machine {
    return run(machine({ ramPages: 2, kernel: '3.11' }), w(1, 0, 1), w(1, 1, 2));
  }

  it('names the pages the next evictions will store, oldest first, leaving out requested and prepared ones', () => {
    const m = twoPages();
    const [p0, p1] = m.nextVictims(2);
    expect([p0.vpn, p1.vpn]).toEqual([0, 1]);
    expect(m.storeCandidates(0, 2)).toEqual([p0, p1]);
    expect(m.storeCandidates(1, 1)).toEqual([p1]);
    m.requestAhead(p0);
    expect(m.storeCandidates(0, 2)).toEqual([p1]);
    m.supplyCompressed(p1, p1.content, { block: lz4.compress(P(2)), ns: 1, fits: true });
    expect(m.storeCandidates(0, 2)).toEqual([]);
  });

  it('an eviction stores the block supplied for the current content as it is, and verification checks what it holds', () => {
    const m = twoPages();
    const [victim] = m.nextVictims(1);
    const wrong = lz4.compress(P(99)); // a valid block of other content: only verification can tell
    m.supplyCompressed(victim, victim.content, { block: wrong, ns: 1, fits: true });
    run(m, w(1, 2, 3));
    expect(m.zswap.compression.pages).toBe(1);
    expect(m.zswap.compression.bytesOut).toBe(wrong.length);
    run(m, r(1, 0));
    expect(m.verify).toMatchObject({ loads_checked: 1, corrupt_loads: 1 });
  });

  it('a page rewritten after its block was made is compressed again at eviction', () => {
    const m = twoPages();
    const [victim] = m.nextVictims(1);
    m.supplyCompressed(victim, victim.content, { block: lz4.compress(P(99)), ns: 1, fits: true });
    run(m, w(1, 0, 4), w(1, 1, 5)); // rewrites VPN 0, then makes it the LRU tail again
    run(m, w(1, 2, 3));
    expect(m.zswap.compression.bytesOut).toBe(lz4.compress(P(4)).length);
    run(m, r(1, 0));
    expect(m.verify).toMatchObject({ loads_checked: 1, corrupt_loads: 0 });
  });

  it('a block that arrives after its page was rewritten is ignored', () => {
    const m = twoPages();
    const [victim] = m.nextVictims(1);
    const madeFrom = victim.content;
    run(m, w(1, 0, 4), w(1, 1, 5));
    m.supplyCompressed(victim, madeFrom, { block: lz4.compress(P(99)), ns: 1, fits: true });
    expect(m.storeCandidates(0, 1)).toEqual([victim]);
    run(m, w(1, 2, 3));
    expect(m.zswap.compression.bytesOut).toBe(lz4.compress(P(4)).length);
  });

  it('a block supplied for content the page no longer holds is ignored even when its bytes are the same again', () => {
    const m = twoPages();
    const [victim] = m.nextVictims(1);
    const before = victim.content;
    run(m, w(1, 0, 1), w(1, 1, 2)); // VPN 0 rewritten with the same bytes: another Content
    m.supplyCompressed(victim, before, { block: lz4.compress(P(99)), ns: 1, fits: true });
    run(m, w(1, 2, 3));
    expect(m.zswap.compression.bytesOut).toBe(lz4.compress(P(1)).length);
    run(m, r(1, 0));
    expect(m.verify).toMatchObject({ loads_checked: 1, corrupt_loads: 0 });
  });
});
