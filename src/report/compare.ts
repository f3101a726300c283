/*
 * The side-by-side view of `compare`: one row per configuration plus the
 * no-zswap baseline, the figures a user decides on, the best value of each
 * column marked, and the same rows as CSV.
 */
import Table from 'cli-table3';
import type { Report } from './report.js';
import { effectivePoolRatio, formatBytes, poolSizeText, ramSaved } from './summary.js';

type Better = 'high' | 'low' | null;

interface Column {
  head: string;
  better: Better;
  /** The value compared for "best"; null: not applicable. */
  value(r: Report, base: Report): number | null;
  /** How the cell reads. */
  show(r: Report, base: Report): string;
  /** Meaningful for the no-zswap baseline too (device I/O, time). */
  baseline?: boolean;
}

/** A cell of the table: '–' where a column means nothing for the baseline. */
export function cellText(col: Column, r: Report, base: Report): string {
  return r.config.zswap_enabled || col.baseline ? col.show(r, base) : '–';
}

const n = (v: number | null, digits = 0): string => (v === null ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const us = (v: number | null): string => (v === null ? '–' : (v / 1000).toFixed(1));

export function configLabel(r: Report): string {
  const c = r.config;
  if (!c.zswap_enabled) return 'no zswap (baseline)';
  return `${c.compressor} ${c.zpool} ${c.max_pool_percent}% k${c.kernel}`;
}

function rejections(r: Report): number {
  const z = r.zswap;
  return z.pool_limit_hit + z.reject_compress_poor + z.reject_alloc_fail + z.reject_reclaim_fail + r.compression.overflow_pages;
}

/** Two-line heads keep the table within a wide terminal; the HTML joins the lines. */
export const COLUMNS: Column[] = [
  { head: 'compr.\nratio', better: 'high', value: (r) => r.compression.ratio, show: (r) => n(r.compression.ratio, 2) },
  { head: 'pool\nratio', better: 'high', value: (r) => effectivePoolRatio(r), show: (r) => n(effectivePoolRatio(r), 2) },
  { head: 'stored\npages', better: 'high', value: (r) => r.zswap.stored_pages, show: (r) => n(r.zswap.stored_pages) },
  { head: 'pool size\n(peak)', better: null, value: (r) => r.pool.pages, show: (r) => `${poolSizeText(r)} (${formatBytes(r.zswap.pool_total_size_peak)})` },
  { head: 'RAM\nsaved', better: 'high', value: (r) => ramSaved(r), show: (r) => formatBytes(ramSaved(r)) },
  {
    head: 'dev writes\n(avoided)',
    better: 'high',
    baseline: true,
    value: (r, b) => b.swap.pswpout - r.swap.pswpout,
    show: (r, b) => (r.config.zswap_enabled ? `${n(r.swap.pswpout)} (${n(b.swap.pswpout - r.swap.pswpout)})` : n(r.swap.pswpout)),
  },
  {
    head: 'dev reads\n(avoided)',
    better: 'high',
    baseline: true,
    value: (r, b) => b.swap.pswpin - r.swap.pswpin,
    show: (r, b) => (r.config.zswap_enabled ? `${n(r.swap.pswpin)} (${n(b.swap.pswpin - r.swap.pswpin)})` : n(r.swap.pswpin)),
  },
  {
    head: 'rejected: limit/\npoor/alloc/recl/ovf',
    better: 'low',
    value: (r) => rejections(r),
    show: (r) => `${r.zswap.pool_limit_hit}/${r.zswap.reject_compress_poor}/${r.zswap.reject_alloc_fail}/${r.zswap.reject_reclaim_fail}/${r.compression.overflow_pages}`,
  },
  { head: 'written\nback', better: 'low', value: (r) => r.zswap.written_back_pages, show: (r) => n(r.zswap.written_back_pages) },
  {
    head: 'size B\np50/p90/p99',
    better: 'low',
    value: (r) => r.compression.size_percentiles.p50,
    show: (r) => `${n(r.compression.size_percentiles.p50)}/${n(r.compression.size_percentiles.p90)}/${n(r.compression.size_percentiles.p99)}`,
  },
  {
    head: 'compress µs\np50/p99',
    better: 'low',
    value: (r) => r.compression.compress_ns_percentiles.p50,
    show: (r) => `${us(r.compression.compress_ns_percentiles.p50)}/${us(r.compression.compress_ns_percentiles.p99)}`,
  },
  {
    head: 'decompr. µs\np50/p99',
    better: 'low',
    value: (r) => r.compression.decompress_ns_percentiles.p50,
    show: (r) => `${us(r.compression.decompress_ns_percentiles.p50)}/${us(r.compression.decompress_ns_percentiles.p99)}`,
  },
  { head: 'wall\ns', better: 'low', value: (r) => r.timing.wall_s, show: (r) => r.timing.wall_s.toFixed(2), baseline: true },
];

/** Indices of the best configuration rows (excluding the baseline) per column. */
export function bestRows(reports: Report[], base: Report): Set<number>[] {
  return COLUMNS.map((col) => {
    const best = new Set<number>();
    if (col.better === null) return best;
    let bestValue: number | null = null;
    reports.forEach((r, i) => {
      if (!r.config.zswap_enabled) return;
      const v = col.value(r, base);
      if (v === null) return;
      if (bestValue === null || (col.better === 'high' ? v > bestValue : v < bestValue)) {
        bestValue = v;
        best.clear();
      }
      if (v === bestValue) best.add(i);
    });
    return best;
  });
}

/** The table; the best cells in bold green with colour, else marked with `*`. */
export function formatCompare(reports: Report[], colour: boolean): string {
  const base = reports.find((r) => !r.config.zswap_enabled) ?? reports[0];
  const best = bestRows(reports, base);
  const t = new Table({ head: ['configuration', ...COLUMNS.map((c) => c.head)], style: { head: [], border: [], compact: true }, wordWrap: true });
  reports.forEach((r, i) => {
    t.push([
      configLabel(r),
      ...COLUMNS.map((col, j) => {
        const cell = cellText(col, r, base);
        if (!best[j].has(i)) return cell;
        return colour ? `\u001b[1;32m${cell}\u001b[0m` : `${cell} *`;
      }),
    ]);
  });
  const c = base.config;
  const legend = `trace ${c.trace}: RAM ${formatBytes(c.ram)}, swap ${c.swap_devices.map(formatBytes).join('+')}; device I/O avoided is against the baseline; ${colour ? 'bold green' : '*'} marks the best value of a column`;
  return `${t.toString()}\n${legend}\n`;
}

function csvCell(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = [
  'configuration',
  'kernel',
  'compressor',
  'zpool',
  'max_pool_percent',
  'compression_ratio',
  'effective_pool_ratio',
  'stored_pages',
  'pool_total_size',
  'pool_total_size_peak',
  'ram_saved_bytes',
  'pswpout',
  'pswpin',
  'device_writes_avoided',
  'device_reads_avoided',
  'pool_limit_hit',
  'reject_compress_poor',
  'reject_alloc_fail',
  'reject_reclaim_fail',
  'overflow_pages',
  'written_back_pages',
  'size_p50',
  'size_p90',
  'size_p99',
  'compress_ns_p50',
  'compress_ns_p99',
  'decompress_ns_p50',
  'decompress_ns_p99',
  'wall_s',
];

export function compareCsv(reports: Report[]): string {
  const base = reports.find((r) => !r.config.zswap_enabled) ?? reports[0];
  const rows = reports.map((r) => {
    const c = r.config;
    const z = r.zswap;
    const cp = r.compression;
    return [
      configLabel(r),
      c.kernel,
      c.zswap_enabled ? c.compressor : '',
      c.zswap_enabled ? c.zpool : '',
      c.max_pool_percent,
      cp.ratio,
      effectivePoolRatio(r),
      z.stored_pages,
      z.pool_total_size,
      z.pool_total_size_peak,
      ramSaved(r),
      r.swap.pswpout,
      r.swap.pswpin,
      base.swap.pswpout - r.swap.pswpout,
      base.swap.pswpin - r.swap.pswpin,
      z.pool_limit_hit,
      z.reject_compress_poor,
      z.reject_alloc_fail,
      z.reject_reclaim_fail,
      cp.overflow_pages,
      z.written_back_pages,
      cp.size_percentiles.p50,
      cp.size_percentiles.p90,
      cp.size_percentiles.p99,
      cp.compress_ns_percentiles.p50,
      cp.compress_ns_percentiles.p99,
      cp.decompress_ns_percentiles.p50,
      cp.decompress_ns_percentiles.p99,
      r.timing.wall_s,
    ].map(csvCell);
  });
  return [CSV_HEADER.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}
