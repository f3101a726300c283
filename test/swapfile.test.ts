import { describe, expect, it } from 'vitest';
import { SWAP_HAS_CACHE, SwapSpace } from '../src/mm/swapfile.js';

/** A swap space whose host records frees and reclaims cache-only slots it is told to. */
function makeSwap(slots: number[], prios?: number[]) {
  const swap = new SwapSpace(slots, prios ?? slots.map((_, i) => -1 - i));
  const freed: string[] = [];
  const reclaimable = new Set<string>();
  swap.attach({
    tryToReclaimSwap(type, offset) {
      const key = `${type}:${offset}`;
      if (!reclaimable.has(key)) return false;
      reclaimable.delete(key);
      swap.entryFree(type, offset, SWAP_HAS_CACHE);
      return true;
    },
    slotFreed(type, offset) {
      freed.push(`${type}:${offset}`);
    },
  });
  const alloc = (): string => {
    const type = swap.getSwapPage();
    return type < 0 ? 'none' : `${type}:${swap.allocated}`;
  };
  return { swap, freed, reclaimable, alloc };
}

/** Turns a HAS_CACHE slot into a swapped-out one (count 1, no cache). */
function swapOut(swap: SwapSpace, type: number, offset: number): void {
  swap.duplicate(type, offset);
  swap.entryFree(type, offset, SWAP_HAS_CACHE);
}

describe('slot allocation (scan_swap_map, v3.10)', () => {
  it('never hands out slot 0 and allocates sequentially from 1', () => {
    const { alloc } = makeSwap([10]);
    expect([alloc(), alloc(), alloc()]).toEqual(['0:1', '0:2', '0:3']);
  });

  it('counts usable slots as size − 1 and runs out cleanly', () => {
    const { swap, alloc } = makeSwap([4]);
    expect(swap.totalSwapPages).toBe(3);
    expect([alloc(), alloc(), alloc(), alloc()]).toEqual(['0:1', '0:2', '0:3', 'none']);
    expect(swap.nrSwapPages).toBe(0);
  });

  it('keeps going from cluster_next after a free (no first-fit) while the run lasts', () => {
    const { swap, alloc, freed } = makeSwap([20]);
    alloc(); // 1
    alloc(); // 2
    alloc(); // 3
    swap.entryFree(0, 1, SWAP_HAS_CACHE);
    expect(freed).toEqual(['0:1']);
    expect(alloc()).toBe('0:4');
  });

  it('wraps to lowest_bit past highest_bit, then scans for a free slot', () => {
    const { swap, alloc } = makeSwap([6]); // slots 1..5
    for (let i = 0; i < 5; i++) alloc();
    swap.entryFree(0, 2, SWAP_HAS_CACHE);
    swap.entryFree(0, 4, SWAP_HAS_CACHE);
    // cluster_next = 6 > highest_bit (4): restart at lowest_bit = 2
    expect(alloc()).toBe('0:2');
    expect(alloc()).toBe('0:4');
    expect(alloc()).toBe('none');
  });

  it('looks for a run of 256 free slots from lowest_bit when the cluster is used up', () => {
    const { swap, alloc } = makeSwap([1200]);
    // the first allocation starts a cluster: cluster_nr 0 → search from lowest_bit
    expect(alloc()).toBe('0:1');
    for (let i = 0; i < 255; i++) alloc(); // slots 2..256 finish the run
    // free a hole of 10 near the start: not a 256-run
    for (let off = 3; off < 13; off++) swap.entryFree(0, off, SWAP_HAS_CACHE);
    // cluster_nr hit 0: the next free run of 256 starts at 257
    expect(alloc()).toBe('0:257');
  });

  it('falls back to lowest_bit when no 256-run exists (the rotational quirk)', () => {
    const { swap, alloc } = makeSwap([700]); // 699 slots
    for (let i = 0; i < 699; i++) alloc();
    // free every other slot: 349 free, more than 256 but no run
    for (let off = 2; off < 700; off += 2) swap.entryFree(0, off, SWAP_HAS_CACHE);
    // cluster_next is 700 (past the end); cluster_nr ran out long ago:
    // the search finds no run, so allocation restarts at lowest_bit = 2
    expect(alloc()).toBe('0:2');
    expect(alloc()).toBe('0:4');
  });

});

describe('priorities and vm_swap_full', () => {
  it('uses the highest-priority device first', () => {
    const { alloc } = makeSwap([4, 4], [-2, 5]);
    expect([alloc(), alloc(), alloc(), alloc()]).toEqual(['1:1', '1:2', '1:3', '0:1']);
  });

  it('round-robins among devices of equal priority, starting at the lowest type', () => {
    const { alloc } = makeSwap([4, 4, 4], [1, 1, 0]);
    expect([alloc(), alloc(), alloc(), alloc(), alloc(), alloc(), alloc()]).toEqual([
      '0:1',
      '1:1',
      '0:2',
      '1:2',
      '0:3',
      '1:3',
      '2:1',
    ]);
  });

  it('default priorities are −1, −2, … in order', () => {
    const { alloc } = makeSwap([3, 3]);
    expect([alloc(), alloc(), alloc()]).toEqual(['0:1', '0:2', '1:1']);
  });

  it('vm_swap_full is more than half of all slots in use', () => {
    const { swap, alloc } = makeSwap([11]); // 10 slots
    for (let i = 0; i < 5; i++) alloc();
    expect(swap.vmSwapFull()).toBe(false);
    alloc();
    expect(swap.vmSwapFull()).toBe(true);
  });

  it('reuses a cache-only slot when vm_swap_full, counting the slot being allocated', () => {
    const { swap, alloc, reclaimable } = makeSwap([11]); // 10 slots
    for (let i = 0; i < 10; i++) alloc();
    for (let off = 1; off <= 10; off++) if (off !== 3) swapOut(swap, 0, off); // 3 stays cache-only
    for (const off of [2, 6, 7, 8, 9]) swap.entryFree(0, off, 1);
    expect(alloc()).toBe('0:2'); // wraps to lowest_bit; cluster_next becomes 3
    swap.entryFree(0, 10, 1);
    // 5 of 10 used: not full by itself, but get_swap_page takes the slot
    // first, so inside the scan 4 free · 2 < 10 and cache-only slot 3 is reused
    expect(swap.vmSwapFull()).toBe(false);
    reclaimable.add('0:3');
    expect(alloc()).toBe('0:3');
    expect(reclaimable.has('0:3')).toBe(false);
  });

  it('without vm_swap_full the cache-only slot is skipped for the next free one', () => {
    const { swap, alloc, reclaimable } = makeSwap([11]);
    for (let i = 0; i < 10; i++) alloc();
    for (let off = 1; off <= 10; off++) if (off !== 3) swapOut(swap, 0, off);
    for (const off of [2, 6, 7, 8, 9, 10]) swap.entryFree(0, off, 1);
    expect(alloc()).toBe('0:2');
    swap.entryFree(0, 1, 1); // 3 of 10 used after the next take: not full
    reclaimable.add('0:3');
    expect(alloc()).toBe('0:6');
    expect(reclaimable.has('0:3')).toBe(true);
  });

  it('does not reclaim cache-only slots when swap is not full', () => {
    const { swap, alloc, reclaimable } = makeSwap([11]); // 10 slots
    alloc(); // 1, cache-only
    reclaimable.add('0:1');
    swap.entryFree(0, 1, SWAP_HAS_CACHE);
    expect(alloc()).toBe('0:2');
  });

  it('skips a cache-only slot it cannot free', () => {
    const { swap, alloc } = makeSwap([4]); // 3 slots
    alloc();
    alloc();
    alloc();
    swap.entryFree(0, 3, SWAP_HAS_CACHE);
    // 1 and 2 are cache-only but not reclaimable; 3 is free
    expect(alloc()).toBe('0:3');
  });
});

describe('swap_map memory', () => {
  it('costs memory for the slots used, not the slots configured: a 1 TiB device using 1,025 slots holds one 64 Ki chunk', () => {
    const slots = (1024 * 2 ** 30) / 4096; // --swap 1024G
    const { swap, alloc } = makeSwap([slots]);
    for (let i = 0; i < 1025; i++) expect(alloc()).not.toBe('none');
    expect(swap.devices[0].swapMap.bytesHeld).toBe(64 * 1024);
    expect(swap.devices[0].swapMap.length).toBe(slots);
  });
});
