import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactHistogram, LogHistogram, nearestRank } from '../src/stats/histogram.js';

/** The SPEC's definition on a sorted array. */
function reference(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((p * s.length + 99) / 100) - 1];
}

describe('percentiles', () => {
  it('nearest rank is ⌈p·n/100⌉ in integer arithmetic', () => {
    expect(nearestRank(50, 1)).toBe(1);
    expect(nearestRank(50, 2)).toBe(1);
    expect(nearestRank(50, 3)).toBe(2);
    expect(nearestRank(99, 100)).toBe(99);
    expect(nearestRank(5, 10)).toBe(1);
    expect(nearestRank(95, 10)).toBe(10);
  });

  it('null when there are no values', () => {
    expect(new ExactHistogram().percentiles().p50).toBeNull();
    expect(new LogHistogram().percentile(99)).toBeNull();
  });

  it('ExactHistogram matches the definition exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 300 }), (values) => {
        const h = new ExactHistogram();
        for (const v of values) h.add(v);
        for (const p of [5, 10, 25, 50, 75, 90, 95, 99]) expect(h.percentile(p)).toBe(reference(values, p));
      }),
    );
  });

  it('LogHistogram is exact below 2048 and within 0.1 % above', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50_000_000 }), { minLength: 1, maxLength: 300 }), (values) => {
        const h = new LogHistogram();
        for (const v of values) h.add(v);
        for (const p of [5, 50, 99]) {
          const want = reference(values, p)!;
          const got = h.percentile(p)!;
          if (want < 2048) expect(got).toBe(want);
          else {
            expect(got).toBeLessThanOrEqual(want);
            expect(want - got).toBeLessThanOrEqual(want / 1024);
          }
        }
      }),
    );
  });
});
