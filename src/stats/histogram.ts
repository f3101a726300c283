/*
 * Histograms with nearest-rank percentiles (SPEC §11).
 *
 * A run may compress millions of pages; keeping every value would make
 * memory grow with the trace. Sizes are small integers, so `ExactHistogram`
 * counts each value and its percentiles are exact. Latencies in ns span six
 * orders of magnitude; `LogHistogram` keeps values below 2048 exactly and
 * larger ones to 10 significant bits (relative error < 0.1 %), reporting a
 * bucket by its lower bound.
 *
 * Nearest rank: the value at rank ⌈p·n/100⌉ = floor((p·n + 99) / 100) of the
 * n sorted values; null when n = 0.
 */

export const PERCENTILES = [5, 10, 25, 50, 75, 90, 95, 99] as const;
export type Percentiles = Record<`p${(typeof PERCENTILES)[number]}`, number | null>;

export function nearestRank(p: number, n: number): number {
  return Math.floor((p * n + 99) / 100);
}

abstract class CountingHistogram {
  protected bins = new Float64Array(1024);
  count = 0;

  protected bump(index: number): void {
    if (index >= this.bins.length) {
      let size = this.bins.length;
      while (size <= index) size *= 2;
      const grown = new Float64Array(size);
      grown.set(this.bins);
      this.bins = grown;
    }
    this.bins[index]++;
    this.count++;
  }

  protected abstract valueOf(index: number): number;

  /** The value at 1-based rank r. */
  atRank(r: number): number {
    let seen = 0;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i];
      if (seen >= r) return this.valueOf(i);
    }
    throw new Error(`rank ${r} beyond ${this.count} values`);
  }

  percentile(p: number): number | null {
    return this.count === 0 ? null : this.atRank(nearestRank(p, this.count));
  }

  percentiles(): Percentiles {
    const out = {} as Percentiles;
    for (const p of PERCENTILES) out[`p${p}`] = this.percentile(p);
    return out;
  }

  /** (value, count) pairs in ascending order, for plots. */
  *entries(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.bins.length; i++) if (this.bins[i] > 0) yield [this.valueOf(i), this.bins[i]];
  }
}

/** Counts of non-negative integers, exact. */
export class ExactHistogram extends CountingHistogram {
  add(value: number): void {
    this.bump(value);
  }
  protected valueOf(index: number): number {
    return index;
  }
}

const LINEAR = 2048;
const SUB = 1024;

/** Non-negative integers with 10 significant bits above 2048. */
export class LogHistogram extends CountingHistogram {
  add(value: number): void {
    const v = value < 0 ? 0 : Math.floor(value);
    if (v < LINEAR) {
      this.bump(v);
      return;
    }
    const e = Math.floor(Math.log2(v)) - 10; // ≥ 1
    this.bump(LINEAR + (e - 1) * SUB + (Math.floor(v / 2 ** e) - SUB));
  }
  protected valueOf(index: number): number {
    if (index < LINEAR) return index;
    const k = index - LINEAR;
    const e = Math.floor(k / SUB) + 1;
    return (SUB + (k % SUB)) * 2 ** e;
  }
}
