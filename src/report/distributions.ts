/*
 * Distributions for comparing compressors, as the kernel community reads
 * them: CDFs of compressed length and of per-page latency (points sampled at
 * every half percent of rank, plus the reported percentiles exactly), the
 * zbud object sizes in chunks, and pool pages by occupancy.
 */
import type { Machine } from '../mm/replay.js';
import { PERCENTILES, nearestRank, type ExactHistogram, type LogHistogram } from '../stats/histogram.js';

/** [value, fraction of values ≤ value] in ascending order. */
export type Cdf = [number, number][];

export interface Distributions {
  size_cdf: Cdf;
  compress_ns_cdf: Cdf;
  decompress_ns_cdf: Cdf;
  /** Successful zbud allocations by size in 64-byte chunks. */
  zbud_object_chunks: Record<string, number>;
  /** zbud pages holding one object (unbuddied) and two (buddied), at the end. */
  pool_pages_by_occupancy: { one: number; two: number };
}

export function cdf(h: ExactHistogram | LogHistogram): Cdf {
  const n = h.count;
  if (n === 0) return [];
  const ranks = new Set<number>();
  for (let k = 1; k <= 200; k++) ranks.add(Math.max(1, Math.ceil((k * n) / 200)));
  for (const p of PERCENTILES) ranks.add(nearestRank(p, n));
  const values = new Set([...ranks].map((r) => h.atRank(r)));
  const out: Cdf = [];
  let cum = 0;
  for (const [value, count] of h.entries()) {
    cum += count;
    if (values.has(value)) out.push([value, cum / n]);
  }
  return out;
}

export function distributions(machine: Machine): Distributions {
  const comp = machine.zswap.compression;
  const pool = machine.zswap.pool;
  const chunks: Record<string, number> = {};
  pool.allocChunks.forEach((count, c) => {
    if (count > 0) chunks[String(c)] = count;
  });
  return {
    size_cdf: cdf(comp.sizes),
    compress_ns_cdf: cdf(comp.compressNs),
    decompress_ns_cdf: cdf(comp.decompressNs),
    zbud_object_chunks: chunks,
    pool_pages_by_occupancy: pool.occupancy(),
  };
}
