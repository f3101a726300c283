/*
 * Distributions for comparing compressors, as the kernel community reads
 * them: CDFs of compressed length and of per-page latency (points sampled at
 * every half percent of rank, plus the reported percentiles exactly), and
 * what the allocator made of the objects: zbud and z3fold objects by size in
 * 64-byte chunks and pages by the objects they hold; zsmalloc objects by
 * size class and the objects each class holds now.
 */
import type { Machine } from '../mm/replay.js';
import { PERCENTILES, nearestRank, type ExactHistogram, type LogHistogram } from '../stats/histogram.js';

/** [value, fraction of values ≤ value] in ascending order. */
export type Cdf = [number, number][];

export interface Distributions {
  size_cdf: Cdf;
  compress_ns_cdf: Cdf;
  decompress_ns_cdf: Cdf;
  /** zbud, z3fold: 'chunks' (64 bytes); zsmalloc: 'class bytes'. */
  pool_object_size_unit: 'chunks' | 'class bytes';
  /** Successful allocations by object size (chunks, or zsmalloc class size in bytes). */
  pool_object_sizes: Record<string, number>;
  /** zbud, z3fold: pages by the objects they hold now ("1", "2", "3", "headless"); zsmalloc: objects held now per class size. */
  pool_occupancy: Record<string, number>;
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
  const d = pool.distribution();
  return {
    size_cdf: cdf(comp.sizes),
    compress_ns_cdf: cdf(comp.compressNs),
    decompress_ns_cdf: cdf(comp.decompressNs),
    pool_object_size_unit: pool.name === 'zsmalloc' ? 'class bytes' : 'chunks',
    pool_object_sizes: d.object_sizes,
    pool_occupancy: d.occupancy,
  };
}
