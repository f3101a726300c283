/*
 * The side-by-side view of `compare`: one row per configuration plus the
 * baseline without compressed swap, the figures a user decides on (RAM
 * saved, disk I/O against the baseline, compression CPU), the best value of
 * each column marked, the verdict after it, and the same rows as CSV.
 *
 * The default columns fit 100 terminal columns; `--wide` shows every
 * column, `--columns` the ones named (COLUMN_KEYS). Latencies are µs
 * everywhere; they are this process's codecs, not the kernel's.
 */
import { UsageError } from '../errors.js';
import { compressionCpu, configLabels, diskReads, diskWrites, isBaseline, poolBytes, poolRatio, ramSaved, storedPages } from './figures.js';
import type { Report } from './report.js';
import { formatBytes, micros, num } from './summary.js';
import { formatTextTable, wrap } from './text-table.js';

/** What the default output fits. */
export const TERMINAL_WIDTH = 100;
import { swapActivity, verdict } from './verdict.js';

type Better = 'high' | 'low' | null;

export interface Column {
  key: string;
  /** One or two head lines. */
  head: string[];
  better: Better;
  /** The value compared for "best"; null: not applicable. */
  value(r: Report, base: Report | null): number | null;
  /** How the cell reads. */
  show(r: Report, base: Report | null): string;
  /** Meaningful for the baseline too (disk I/O, time). */
  baseline?: boolean;
}

/** A change against the baseline, in words: "3,046 fewer", "7 more", "same". */
function change(fewer: number): string {
  if (fewer === 0) return 'same';
  return `${num(Math.abs(fewer))} ${fewer > 0 ? 'fewer' : 'more'}`;
}

function ioCell(r: Report, base: Report | null, of: (r: Report) => number): string {
  if (base === null || isBaseline(r)) return num(of(r));
  return `${num(of(r))} (${change(of(base) - of(r))})`;
}

/** p99 far above p50 is this process's pauses (GC, JIT, a worker starting), not the codec: flagged. */
export const PAUSE_FLAG = '†';
function latency(p: { p50: number | null; p99: number | null }): string {
  const flagged = p.p50 !== null && p.p99 !== null && p.p99 >= 10 * p.p50;
  return `${micros(p.p50)}/${micros(p.p99)}${flagged ? PAUSE_FLAG : ''}`;
}

const fixed = (v: number | null, digits: number): string => (v === null ? '–' : v.toFixed(digits));

function rejections(r: Report): number {
  const z = r.zswap;
  if (z === null) return r.frontswap?.failed_stores ?? 0;
  return z.pool_limit_hit + z.reject_compress_poor + (z.reject_compress_fail ?? 0) + z.reject_alloc_fail + z.reject_reclaim_fail;
}

export const COLUMNS: Column[] = [
  { key: 'ram_saved', head: ['RAM', 'saved'], better: 'high', value: ramSaved, show: (r) => formatBytes(ramSaved(r)) },
  { key: 'pool_ratio', head: ['pool', 'ratio'], better: 'high', value: poolRatio, show: (r) => fixed(poolRatio(r), 2) },
  {
    key: 'disk_writes',
    head: ['disk writes', '(vs none)'],
    better: 'high',
    baseline: true,
    value: (r, b) => (b === null ? null : diskWrites(b) - diskWrites(r)),
    show: (r, b) => ioCell(r, b, diskWrites),
  },
  {
    key: 'disk_reads',
    head: ['disk reads', '(vs none)'],
    better: 'high',
    baseline: true,
    value: (r, b) => (b === null ? null : diskReads(b) - diskReads(r)),
    show: (r, b) => ioCell(r, b, diskReads),
  },
  { key: 'compress_us', head: ['compress', 'µs/page'], better: 'low', value: (r) => compressionCpu(r).usPerPage, show: (r) => fixed(compressionCpu(r).usPerPage, 1) },
  { key: 'cpu_per_gib', head: ['CPU s', 'per GiB'], better: 'low', value: (r) => compressionCpu(r).secondsPerGiB, show: (r) => fixed(compressionCpu(r).secondsPerGiB, 2) },
  // --wide
  { key: 'ratio', head: ['compr.', 'ratio'], better: 'high', value: (r) => r.compression.ratio, show: (r) => fixed(r.compression.ratio, 2) },
  { key: 'stored', head: ['stored', 'pages'], better: 'high', value: storedPages, show: (r) => num(storedPages(r)) },
  { key: 'pool_size', head: ['pool', 'size'], better: null, value: poolBytes, show: (r) => formatBytes(poolBytes(r)) },
  { key: 'rejected', head: ['stores', 'rejected'], better: 'low', value: rejections, show: (r) => (r.config.zswap_enabled || r.zswap === null ? num(rejections(r)) : '–') },
  {
    key: 'written_back',
    head: ['written', 'back'],
    better: 'low',
    value: (r) => r.zswap?.written_back_pages ?? null,
    show: (r) => (r.config.zswap_enabled && r.zswap !== null ? num(r.zswap.written_back_pages) : '–'),
  },
  {
    key: 'size',
    head: ['size B p50/p90/p99', '(pages that fit)'],
    better: 'low',
    value: (r) => r.compression.stored_size_percentiles.p50,
    show: (r) => {
      const p = r.compression.stored_size_percentiles;
      return `${num(p.p50)}/${num(p.p90)}/${num(p.p99)}`;
    },
  },
  { key: 'overflow', head: ['over', '4 KiB'], better: 'low', value: (r) => r.compression.overflow_pages, show: (r) => num(r.compression.overflow_pages) },
  { key: 'compress_p', head: ['compress µs', 'p50/p99'], better: 'low', value: (r) => r.compression.compress_ns_percentiles.p50, show: (r) => latency(r.compression.compress_ns_percentiles) },
  { key: 'decompress_p', head: ['decompr. µs', 'p50/p99'], better: 'low', value: (r) => r.compression.decompress_ns_percentiles.p50, show: (r) => latency(r.compression.decompress_ns_percentiles) },
  { key: 'wall', head: ['wall', 's'], better: 'low', baseline: true, value: (r) => r.timing.wall_s, show: (r) => r.timing.wall_s.toFixed(2) },
];

export const COLUMN_KEYS = COLUMNS.map((c) => c.key);
export const DEFAULT_COLUMNS = ['ram_saved', 'pool_ratio', 'disk_writes', 'disk_reads', 'compress_us'];

/** --columns a,b,c (or --wide): the columns to show, in the order given. */
export function selectColumns(keys: string[] | 'wide' | undefined): Column[] {
  if (keys === 'wide') return COLUMNS;
  return (keys ?? DEFAULT_COLUMNS).map((k) => {
    const col = COLUMNS.find((c) => c.key === k);
    if (col === undefined) throw new UsageError(`--columns: unknown column '${k}' (columns: ${COLUMN_KEYS.join(', ')})`);
    return col;
  });
}

/** A cell: '–' where a column means nothing for the baseline. */
export function cellText(col: Column, r: Report, base: Report | null): string {
  return !isBaseline(r) || col.baseline ? col.show(r, base) : '–';
}

/** Indices of the best configuration rows (never the baseline) per column; none where all configurations agree. */
export function bestRows(reports: Report[], columns: Column[]): Set<number>[] {
  const base = reports.find(isBaseline) ?? null;
  const mark = swapActivity(reports) === 'enough'; // never a best among zeros
  return columns.map((col) => {
    const best = new Set<number>();
    if (col.better === null || !mark) return best;
    const values = reports.map((r) => (isBaseline(r) || r.verify.corrupt_loads > 0 ? null : col.value(r, base)));
    const present = values.filter((v): v is number => v !== null);
    if (present.length < 2 || present.every((v) => v === present[0])) return best;
    const target = col.better === 'high' ? Math.max(...present) : Math.min(...present);
    values.forEach((v, i) => {
      if (v === target) best.add(i);
    });
    return best;
  });
}

/** The fixed part of every configuration, said once under the table. */
export function describeMachine(reports: Report[]): string {
  const c = reports[0].config;
  const kernels = [...new Set(reports.map((r) => r.config.kernel))];
  const layouts = new Set(reports.map((r) => r.config.swap_devices.join('+')));
  const swap = layouts.size > 1 ? 'swap devices as labelled (the baseline: the first layout as disks)' : `swap ${c.swap_devices.map(formatBytes).join('+')}`;
  const limits = [...new Set(reports.filter((r) => r.config.zswap_enabled).map((r) => r.config.max_pool_percent))];
  const limit = limits.length === 1 ? `, zswap pool limit ${limits[0]}% of RAM` : '';
  return `trace ${c.trace}: RAM ${formatBytes(c.ram)}, ${swap}, kernel ${kernels.join('/')}${limit}`;
}

/** The table, its legend and the verdict. */
export function formatCompare(reports: Report[], colour: boolean, columns: Column[] = selectColumns(undefined)): string {
  const base = reports.find(isBaseline) ?? null;
  const shown = columns;
  const best = bestRows(reports, shown);
  const labels = configLabels(reports);
  const rows = reports.map((r, i) => [
    labels[i],
    ...shown.map((col, j) => {
      const cell = cellText(col, r, base);
      if (!best[j].has(i)) return cell;
      return colour ? `\u001b[1;32m${cell}\u001b[0m` : `${cell}*`;
    }),
  ]);
  const table = formatTextTable([{ head: ['', 'configuration'], align: 'left' }, ...shown.map((c) => ({ head: c.head, align: 'right' as const }))], rows);
  const notes = [describeMachine(reports)];
  const marked = best.some((b) => b.size > 0) ? `${colour ? 'bold green' : '*'}: best of a column. ` : '';
  notes.push(`${marked}RAM saved = stored pages − the RAM their pools take (negative: a pool costs more than it holds).`);
  if (shown.some((c) => c.key === 'disk_writes' || c.key === 'disk_reads')) notes.push('disk I/O: pages written to / read from disk; "fewer"/"more" against no compressed swap.');
  if (shown.some((c) => ['compress_us', 'cpu_per_gib', 'compress_p', 'decompress_p'].includes(c.key))) {
    notes.push(`µs and CPU s are this process's codecs (JavaScript, WebAssembly or native), not the kernel's${shown.some((c) => c.key.endsWith('_p')) ? `; ${PAUSE_FLAG}: p99 ≥ 10 × p50, dominated by this process's pauses (GC, JIT, worker start), not the codec` : ''}.`);
  }
  const lagging = reports.filter((r) => r.config.zswap_enabled && r.zswap !== null && r.zswap.pool_total_size !== r.pool.pages * 4096);
  if (lagging.length > 0) {
    const labels = configLabels(reports);
    notes.push(
      `debugfs's pool_total_size is cached (≤ 6.1) and lags the pool: ${lagging
        .map((r) => `${labels[reports.indexOf(r)]} ${formatBytes(r.zswap!.pool_total_size)} (real ${formatBytes(r.pool.pages * 4096)})`)
        .join(', ')}; the table uses the real pages.`,
    );
  }
  const v = verdict(reports).map((line) => wrap(line, TERMINAL_WIDTH));
  return `${table}${notes.map((n) => wrap(n, TERMINAL_WIDTH)).join('\n')}\n${v.length > 0 ? `\n${v.join('\n')}\n` : ''}`;
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
  'zram_algorithms',
  'compression_ratio',
  'pool_ratio',
  'stored_pages',
  'pool_bytes',
  'ram_saved_bytes',
  'pswpout',
  'pswpin',
  'disk_writes',
  'disk_reads',
  'disk_writes_avoided',
  'disk_reads_avoided',
  'pool_limit_hit',
  'reject_compress_poor',
  'reject_alloc_fail',
  'reject_reclaim_fail',
  'overflow_pages',
  'written_back_pages',
  'size_p50',
  'size_p90',
  'size_p99',
  'compress_us_per_page',
  'cpu_s_per_gib',
  'compress_us_p50',
  'compress_us_p99',
  'decompress_us_p50',
  'decompress_us_p99',
  'wall_s',
];

const usOf = (ns: number | null): number | null => (ns === null ? null : ns / 1000);

export function compareCsv(reports: Report[]): string {
  const base = reports.find(isBaseline) ?? null;
  const labels = configLabels(reports);
  const rows = reports.map((r, i) => {
    const c = r.config;
    const z = r.zswap;
    const cp = r.compression;
    const cpu = compressionCpu(r);
    return [
      labels[i],
      c.kernel,
      c.zswap_enabled || c.backend !== 'zswap' ? (c.compressor ?? '') : '',
      c.zswap_enabled ? (c.zpool ?? '') : '',
      c.zswap_enabled ? (c.max_pool_percent ?? '') : '',
      c.zram.map((d) => d.algorithm).join('+'),
      cp.ratio,
      poolRatio(r),
      storedPages(r),
      poolBytes(r),
      ramSaved(r),
      r.swap.pswpout,
      r.swap.pswpin,
      diskWrites(r),
      diskReads(r),
      base === null ? null : diskWrites(base) - diskWrites(r),
      base === null ? null : diskReads(base) - diskReads(r),
      z?.pool_limit_hit ?? null,
      z?.reject_compress_poor ?? null,
      z?.reject_alloc_fail ?? null,
      z?.reject_reclaim_fail ?? null,
      cp.overflow_pages,
      z?.written_back_pages ?? null,
      cp.stored_size_percentiles.p50,
      cp.stored_size_percentiles.p90,
      cp.stored_size_percentiles.p99,
      cpu.usPerPage,
      cpu.secondsPerGiB,
      usOf(cp.compress_ns_percentiles.p50),
      usOf(cp.compress_ns_percentiles.p99),
      usOf(cp.decompress_ns_percentiles.p50),
      usOf(cp.decompress_ns_percentiles.p99),
      r.timing.wall_s,
    ].map(csvCell);
  });
  return [CSV_HEADER.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}
