/*
 * Frontswap self-shrinking: frontswap_selfshrink of
 * drivers/xen/xen-selfballoon.c (3.1+; ramster copies it), run by the
 * selfballoon worker every `selfballoon_interval` seconds (SPEC §13.5,
 * kernel-notes-tmem §2). Trace time maps records onto seconds (§13.7).
 *
 * Each tick: last = cur; cur = frontswap_curr_pages. A pool that is empty
 * or grew re-arms the inertia counter; otherwise the counter counts down and
 * the inertia-th non-growing tick — and every later one — asks
 * frontswap_shrink for cur − ⌊cur / hysteresis⌋ pages (0 at or below
 * `hysteresis`). frontswap_shrink itself (a partial swapoff of the first
 * swap type, in ascending offsets) is the machine's: it moves pages.
 * Left out: selfballooning (the balloon target), which changes RAM.
 */
import type { SelfshrinkConfig } from './tmem.js';

export interface SelfshrinkStats {
  ticks: number;
  shrinks: number;
  pages: number;
  no_frame: number;
}

export class Selfshrink {
  readonly stats: SelfshrinkStats = { ticks: 0, shrinks: 0, pages: 0, no_frame: 0 };
  private cur = 0;
  private counter = 0;

  constructor(
    readonly config: SelfshrinkConfig,
    private readonly recordsPerSecond: number,
  ) {}

  /** Is a tick due after the k-th record (other than `d`)? */
  due(recordsDone: number): boolean {
    const every = this.config.interval * this.recordsPerSecond;
    return recordsDone > 0 && recordsDone % every === 0;
  }

  /** frontswap_selfshrink: the target to shrink to, or null when this tick does not shrink. */
  tick(currPages: number): number | null {
    this.stats.ticks++;
    const last = this.cur;
    this.cur = currPages;
    if (this.cur === 0 || this.cur > last) {
      this.counter = this.config.inertia;
      return null;
    }
    if (this.counter > 0 && --this.counter > 0) return null;
    const h = this.config.hysteresis;
    return this.cur <= h ? 0 : this.cur - Math.floor(this.cur / h);
  }
}
