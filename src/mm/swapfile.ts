/*
 * Swap devices and the slot allocator: mm/swapfile.c of Linux 3.10
 * (kernel-notes §4, SPEC §4).
 *
 * Each device (swap type) has a `swap_map` byte per slot: bits 0–5 the count
 * of swap entries referring to the slot (a page table entry of a swapped-out
 * page), bit 0x40 SWAP_HAS_CACHE while a page for the slot sits in the swap
 * cache. Slot 0 holds the swap header and is never handed out. A slot is free
 * iff its byte is 0; freeing calls frontswap_invalidate_page and drops the
 * device copy (the host's `slotFreed`).
 *
 * In this model one page owns one slot, so the byte takes four values:
 *   0x40  a resident page in the swap cache (`HAS_CACHE` only)
 *   0x41  a page being written out (unmapped, still in the swap cache)
 *   0x01  a swapped-out page
 *   0     free
 *
 * The map is sparse (src/mm/sparse.ts): a device costs memory in
 * proportion to the slots in use, not to its size, and the scans below skip
 * whole runs of free slots at once.
 *
 * `scanSwapMap` is v3.10's scan_swap_map line for line on a rotational
 * device, quirks included: runs of SWAPFILE_CLUSTER (256) free slots searched
 * from lowest_bit, the fallback to lowest_bit when no run is found, the
 * second linear pass that starts after lowest_bit, and the reuse of
 * cache-only slots when vm_swap_full (counting the slot being allocated, as
 * get_swap_page decrements nr_swap_pages first). Left out: SSD clusters and
 * discard, bad slots, swap count continuation, the per-CPU slot caches of
 * 4.11+. Device choice follows SPEC §4: highest priority first, round robin
 * among equal priorities.
 */

import { SparseBytes } from './sparse.js';

export const SWAP_HAS_CACHE = 0x40;
/** Slots per device at most (8 TiB of 4 KiB pages): offsets stay 31-bit. */
export const MAX_SWAP_SLOTS = 2 ** 31;
export const SWAPFILE_CLUSTER = 256;

/** What the allocator needs from the rest of the machine. */
export interface SwapHost {
  /**
   * `__try_to_reclaim_swap`: free the slot of the clean swap-cache page that
   * holds it (the page loses its slot and turns dirty). Returns whether the
   * slot was freed.
   */
  tryToReclaimSwap(type: number, offset: number): boolean;
  /** A slot became free: frontswap_invalidate_page and discard the device copy. */
  slotFreed(type: number, offset: number): void;
}

export class SwapDevice {
  /** Slots including the header slot 0 (`si->max`). */
  readonly max: number;
  /** Usable slots (`si->pages`). */
  readonly pages: number;
  readonly swapMap: SparseBytes;
  inusePages = 0;
  lowestBit: number;
  highestBit: number;
  clusterNext = 1;
  clusterNr = 0;

  constructor(
    readonly type: number,
    slots: number,
    readonly prio: number,
  ) {
    this.max = slots;
    this.pages = slots - 1;
    this.swapMap = new SparseBytes(slots);
    this.lowestBit = 1;
    this.highestBit = slots - 1;
    if (this.pages <= 0) {
      this.lowestBit = this.max;
      this.highestBit = 0;
    }
  }
}

export interface SwapStats {
  slots_total: number;
  slots_used_peak: number;
}

/**
 * The first run of SWAPFILE_CLUSTER free slots (unaligned) found scanning
 * from `from` while the run's last slot stays ≤ `last`; −1 if none. This is
 * scan_swap_map's cluster search: a busy slot pushes the candidate run past it.
 */
function freeRun(map: SparseBytes, from: number, last: number): number {
  let lastInCluster = from + SWAPFILE_CLUSTER - 1;
  for (let offset = from; lastInCluster <= last; offset++) {
    if (map.chunkEmpty(offset)) {
      // a chunk of free slots: the run reaches its end at least
      const next = SparseBytes.nextChunk(offset);
      if (lastInCluster < next) return lastInCluster - (SWAPFILE_CLUSTER - 1);
      offset = next - 1;
      continue;
    }
    if (map.get(offset)) lastInCluster = offset + SWAPFILE_CLUSTER;
    else if (offset === lastInCluster) return offset - (SWAPFILE_CLUSTER - 1);
  }
  return -1;
}

export class SwapSpace {
  readonly devices: SwapDevice[];
  /** Free slots of all devices (`nr_swap_pages`). */
  nrSwapPages: number;
  /** Usable slots of all devices (`total_swap_pages`). */
  readonly totalSwapPages: number;
  readonly stats: SwapStats;
  /** Devices grouped by priority, highest first; each group with its round-robin cursor. */
  private readonly groups: { devices: SwapDevice[]; next: number }[] = [];
  private host: SwapHost | null = null;

  /** The swap list's order: priority descending, then type (what frontswap_shrink walks). */
  listOrder(): number[] {
    return [...this.devices].sort((a, b) => b.prio - a.prio || a.type - b.type).map((d) => d.type);
  }

  /** slots[i] counts the header slot; prios[i] is device i's priority. */
  constructor(slots: readonly number[], prios: readonly number[]) {
    this.devices = slots.map((n, type) => new SwapDevice(type, n, prios[type]));
    this.totalSwapPages = this.devices.reduce((s, d) => s + d.pages, 0);
    this.nrSwapPages = this.totalSwapPages;
    this.stats = { slots_total: this.totalSwapPages, slots_used_peak: 0 };
    const byPrio = [...this.devices].sort((a, b) => b.prio - a.prio || a.type - b.type);
    for (const d of byPrio) {
      const last = this.groups[this.groups.length - 1];
      if (last && last.devices[0].prio === d.prio) last.devices.push(d);
      else this.groups.push({ devices: [d], next: 0 });
    }
  }

  attach(host: SwapHost): void {
    this.host = host;
  }

  get usedSlots(): number {
    return this.totalSwapPages - this.nrSwapPages;
  }

  /** vm_swap_full(): more than half of all swap in use. */
  vmSwapFull(): boolean {
    return this.nrSwapPages * 2 < this.totalSwapPages;
  }

  /**
   * get_swap_page(): allocate a slot with SWAP_HAS_CACHE. Returns the type
   * and writes the offset to `allocated`, or returns -1 when no device has a
   * slot (out of swap).
   */
  getSwapPage(): number {
    if (this.nrSwapPages <= 0) return -1;
    this.nrSwapPages--;
    for (const group of this.groups) {
      const n = group.devices.length;
      for (let k = 0; k < n; k++) {
        const i = (group.next + k) % n;
        const si = group.devices[i];
        if (si.highestBit === 0) continue;
        const offset = this.scanSwapMap(si, SWAP_HAS_CACHE);
        if (offset !== 0) {
          group.next = (i + 1) % n;
          this.allocated = offset;
          const used = this.usedSlots;
          if (used > this.stats.slots_used_peak) this.stats.slots_used_peak = used;
          return si.type;
        }
      }
    }
    this.nrSwapPages++;
    return -1;
  }

  /** The offset of the last successful getSwapPage(). */
  allocated = 0;

  /** scan_swap_map(si, usage), v3.10, rotational device. Returns the offset or 0. */
  scanSwapMap(si: SwapDevice, usage: number): number {
    const map = si.swapMap;
    let offset = si.clusterNext;
    let scanBase = offset;

    // `if (unlikely(!si->cluster_nr--))`: the current run is used up
    if (si.clusterNr === 0) {
      si.clusterNr = SWAPFILE_CLUSTER - 1;
      if (si.pages - si.inusePages >= SWAPFILE_CLUSTER) {
        // Rotational: look for a free run from the start of the device. The
        // kernel's second pass, below scan_base, is empty because scan_base
        // is lowest_bit here. No run: allocation restarts at lowest_bit.
        scanBase = offset = si.lowestBit;
        const run = freeRun(map, si.lowestBit, si.highestBit);
        if (run >= 0) {
          offset = run;
          si.clusterNext = run;
        }
      }
    } else {
      si.clusterNr--;
    }

    for (;;) {
      // checks:
      if (si.highestBit === 0) return 0;
      if (offset > si.highestBit) scanBase = offset = si.lowestBit;

      let busy: boolean;
      if (this.vmSwapFull() && map.get(offset) === SWAP_HAS_CACHE) {
        // Reuse the slot of a cache-only page if it can be freed.
        if (this.host!.tryToReclaimSwap(si.type, offset)) continue;
        busy = true;
      } else {
        busy = map.get(offset) !== 0;
      }

      if (!busy) {
        if (offset === si.lowestBit) si.lowestBit++;
        if (offset === si.highestBit) si.highestBit--;
        si.inusePages++;
        if (si.inusePages === si.pages) {
          si.lowestBit = si.max;
          si.highestBit = 0;
        }
        map.set(offset, usage);
        si.clusterNext = offset + 1;
        return offset;
      }

      // scan: linear search to highest_bit, then from after lowest_bit to the base.
      const full = this.vmSwapFull();
      let found = false;
      while (++offset <= si.highestBit) {
        if (map.chunkEmpty(offset)) {
          found = true;
          break;
        }
        const v = map.get(offset);
        if (!v || (full && v === SWAP_HAS_CACHE)) {
          found = true;
          break;
        }
      }
      if (!found) {
        offset = si.lowestBit;
        while (++offset < scanBase) {
          const v = map.get(offset);
          if (!v || (full && v === SWAP_HAS_CACHE)) {
            found = true;
            break;
          }
        }
      }
      if (!found) return 0;
    }
  }

  /**
   * swap_entry_free(): drop `usage` (1 for a swap count, SWAP_HAS_CACHE for
   * the cache reference); frees the slot when nothing is left.
   */
  entryFree(type: number, offset: number, usage: number): void {
    const si = this.devices[type];
    let count = si.swapMap.get(offset);
    if (usage === SWAP_HAS_CACHE) count &= ~SWAP_HAS_CACHE;
    else count--;
    si.swapMap.set(offset, count);
    if (count === 0) {
      if (offset < si.lowestBit) si.lowestBit = offset;
      if (offset > si.highestBit) si.highestBit = offset;
      this.nrSwapPages++;
      si.inusePages--;
      this.host!.slotFreed(type, offset);
    }
  }

  /** swap_duplicate(): one more swap entry (a PTE) refers to the slot. */
  duplicate(type: number, offset: number): void {
    const map = this.devices[type].swapMap;
    map.set(offset, map.get(offset) + 1);
  }

  /** The slot gains the swap cache reference (swapin adds the page to the cache). */
  addCache(type: number, offset: number): void {
    const map = this.devices[type].swapMap;
    map.set(offset, map.get(offset) | SWAP_HAS_CACHE);
  }

  mapOf(type: number, offset: number): number {
    return this.devices[type].swapMap.get(offset);
  }
}
