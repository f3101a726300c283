/*
 * The self-contained HTML report of `run --html` and `compare --html`: the
 * comparison table and the plots a kernel engineer pastes into a report —
 * CDFs of compressed size and of per-page latency, pool size and stored pages
 * over time, device I/O over time, zbud object sizes — in one file with
 * inline CSS and SVG and nothing to fetch. The reports themselves are
 * embedded as JSON for anyone who wants the numbers.
 */
import { writeFileAtomic } from '../output.js';
import { PERCENTILES } from '../stats/histogram.js';
import { VERSION } from '../version.js';
import { bestRows, cellText, describeMachine, PAUSE_FLAG, selectColumns } from './compare.js';
import { configLabels, isBaseline } from './figures.js';
import type { Report } from './report.js';
import { occupancyText, poolSizeText } from './summary.js';
import { esc, lineChart, styleOf, type ChartSpec, type Series } from './svg.js';
import { verdict } from './verdict.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.4em;margin-bottom:.2em;overflow-wrap:anywhere} h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
.meta,.note{color:#555} .note{font-size:12.5px} table{border-collapse:collapse;font-size:12.5px;margin:1em 0}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:right} th{background:#f4f6f8;vertical-align:bottom}
td:first-child{min-width:8em} #comparison td{white-space:normal}
.verdict{background:#f6f8fa;border-left:4px solid #0072B2;padding:.6em 1em;margin:1em 0} .verdict p{margin:.3em 0}
.scroll{overflow-x:auto}
td:first-child,th:first-child{text-align:left} td.best{background:#e3f4e6;font-weight:600} td.lost{background:#fbe3e3;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:12px} figure.chart{margin:0;border:1px solid #e4e4e4;border-radius:4px;max-width:100%}
figure.chart svg{max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#333} svg .title{font-size:13px;font-weight:600}
svg .label{font-size:12px} svg .grid{stroke:#eee} svg .frame{fill:none;stroke:#999}
svg .series{fill:none;stroke-width:1.8} svg .legend{font-size:11px}
`;

/** The main table: the columns `compare` prints by default plus a few, small enough for an 800-pixel window. */
const HTML_COLUMNS = selectColumns([...selectColumns(undefined).map((c) => c.key), 'cpu_per_gib', 'ratio', 'written_back']);

function table(reports: Report[]): string {
  const base = reports.find(isBaseline) ?? null;
  const columns = HTML_COLUMNS;
  const best = bestRows(reports, columns);
  const labels = configLabels(reports);
  const head = `<tr><th>configuration</th>${columns.map((c) => `<th>${esc(c.head.join(' '))}</th>`).join('')}</tr>`;
  const rows = reports.map(
    (r, i) =>
      `<tr><td>${esc(labels[i])}</td>${columns
        .map((c, j) => {
          const cell = cellText(c, r, base);
          // "(3,156 fewer)" stays on one line when a narrow window wraps the cell
          return `<td${best[j].has(i) ? ' class="best"' : ''}>${esc(cell).replace(/ (fewer|more)\)/g, '&nbsp;$1)')}</td>`;
        })
        .join('')}</tr>`,
  );
  return `<table id="comparison">${head}${rows.join('')}</table>`;
}

/** One series per configuration, with the configuration's own colour and dash in every chart. */
function seriesOf(reports: Report[], all: Report[], pick: (r: Report) => [number, number][]): Series[] {
  const labels = configLabels(all);
  return reports
    .map((r) => {
      const i = all.indexOf(r);
      return { name: labels[i], points: pick(r), ...styleOf(i) };
    })
    .filter((s) => s.points.length > 0);
}

/** ns to µs, the unit of every latency shown. */
const inMicros = (cdf: [number, number][]): [number, number][] => cdf.map(([ns, f]) => [ns / 1000, f]);

function overTime(r: Report, field: 'pool_total_size' | 'stored_pages' | 'pswpout' | 'pswpin', scale = 1): [number, number][] {
  const ts = r.time_series;
  return ts === null ? [] : ts.records.map((rec, i) => [rec, ts[field][i] / scale]);
}

/** The charts of a set of reports (configurations with zswap; I/O includes the baseline). */
export function charts(reports: Report[]): ChartSpec[] {
  const z = reports.filter((r) => r.config.zswap_enabled);
  const MiB = 1024 * 1024;
  const zsmalloc = z.every((r) => r.config.zpool === 'zsmalloc');
  const chunks = z.every((r) => r.config.zpool !== 'zsmalloc');
  return [
    { id: 'size-cdf', title: 'Compressed size (CDF)', xLabel: 'compressed bytes per page', yLabel: 'fraction of pages', step: true, yMax: 1, series: seriesOf(z, reports, (r) => r.distributions.size_cdf) },
    { id: 'compress-latency-cdf', title: 'Compression latency per page, this process (CDF)', xLabel: 'µs (log scale)', yLabel: 'fraction of pages', xLog: true, step: true, yMax: 1, series: seriesOf(z, reports, (r) => inMicros(r.distributions.compress_ns_cdf)) },
    { id: 'decompress-latency-cdf', title: 'Decompression latency per page, this process (CDF)', xLabel: 'µs (log scale)', yLabel: 'fraction of pages', xLog: true, step: true, yMax: 1, series: seriesOf(z, reports, (r) => inMicros(r.distributions.decompress_ns_cdf)) },
    { id: 'pool-size', title: 'zswap pool size over time', xLabel: 'trace records', yLabel: 'pool_total_size (MiB)', series: seriesOf(z, reports, (r) => overTime(r, 'pool_total_size', MiB)) },
    { id: 'stored-pages', title: 'Stored pages over time', xLabel: 'trace records', yLabel: 'stored_pages', series: seriesOf(z, reports, (r) => overTime(r, 'stored_pages')) },
    { id: 'device-writes', title: 'Device writes over time (cumulative)', xLabel: 'trace records', yLabel: 'pswpout (pages)', series: seriesOf(reports, reports, (r) => overTime(r, 'pswpout')) },
    { id: 'device-reads', title: 'Device reads over time (cumulative)', xLabel: 'trace records', yLabel: 'pswpin (pages)', series: seriesOf(reports, reports, (r) => overTime(r, 'pswpin')) },
    {
      id: 'pool-object-sizes',
      title: 'Pool object sizes (histogram)',
      xLabel: zsmalloc ? 'zsmalloc size class (bytes)' : chunks ? 'object size in 64-byte chunks' : 'zbud/z3fold: 64-byte chunks; zsmalloc: size class (bytes)',
      yLabel: 'allocations',
      histogram: true,
      series: seriesOf(z, reports, (r) =>
        Object.entries(r.distributions.pool_object_sizes)
          .filter(([c]) => c !== 'headless')
          .map(([c, n]): [number, number] => [Number(c), n]),
      ),
    },
  ];
}

function percentileTable(reports: Report[]): string {
  const z = reports.filter((r) => r.config.zswap_enabled);
  const labels = configLabels(reports);
  const us = (ns: number | null): string => (ns === null ? '–' : (ns / 1000).toFixed(1));
  const head = `<tr><th>configuration</th><th>metric</th>${PERCENTILES.map((p) => `<th>p${p}</th>`).join('')}</tr>`;
  const rows: string[] = [];
  for (const r of z) {
    const c = r.compression;
    const label = esc(labels[reports.indexOf(r)]);
    rows.push(`<tr><td>${label}</td><td>compressed bytes (pages that fit; ${c.overflow_pages} over 4 KiB)</td>${PERCENTILES.map((p) => `<td>${c.stored_size_percentiles[`p${p}`] ?? '–'}</td>`).join('')}</tr>`);
    for (const [metric, values] of [
      ['compress µs', c.compress_ns_percentiles],
      ['decompress µs', c.decompress_ns_percentiles],
    ] as const) {
      const flag = values.p50 !== null && values.p99 !== null && values.p99 >= 10 * values.p50 ? ` ${PAUSE_FLAG}` : '';
      rows.push(`<tr><td>${label}</td><td>${metric}${flag}</td>${PERCENTILES.map((p) => `<td>${us(values[`p${p}`])}</td>`).join('')}</tr>`);
    }
    rows.push(`<tr><td>${label}</td><td>${esc(r.config.zpool ?? "")}</td><td colspan="${PERCENTILES.length}" style="text-align:left">${esc(occupancyText(r))}; pool ${esc(poolSizeText(r))}</td></tr>`);
  }
  return `<div class="scroll"><table id="distributions">${head}${rows.join('')}</table></div>`;
}

/** The tmem contract on duplicate stores, per backend and profile (README, "the tmem family"). */
function duplicateRule(r: Report): string {
  const c = r.config;
  switch (c.backend) {
    case 'xen-tmem':
      return 'frees the old page, then allocates the new one: replace, or flush and fail (the tmem ABI)';
    case 'zcache':
      return c.zcache_gen === 1
        ? 'frees the old zpage before it makes the new one: a failure flushes and fails'
        : 'makes the new zpage first: a failure keeps the old, stale copy';
    case 'ramster':
      return 'as zcache 2: a failure keeps the old copy; a remote one is flushed at the next pass';
    default:
      if (c.frontswap_dup === 'clear') return 'frontswap clears the bit on failure but leaves zswap\'s old entry: its writeback can overwrite newer data (3.11–3.18)';
      if (c.frontswap_dup !== null) return 'frontswap invalidates the old copy: no stale entry survives';
      return 'zswap replaces its entry at insert (check_old)';
  }
}

function duplicatesBlock(reports: Report[]): string {
  if (!reports.some((r) => r.config.backend !== 'zswap' || r.config.frontswap_dup === 'clear')) return '';
  const labels = configLabels(reports);
  const rows = reports
    .filter((r) => !isBaseline(r))
    .map((r) => {
      const x = r.xen_tmem as Record<string, number> | null;
      const dups = x !== null ? `${x.dup_puts_replaced} replaced, ${x.dup_puts_flushed} flushed` : r.zswap?.duplicate_entry !== null && r.zswap !== null ? `${r.zswap.duplicate_entry} overwritten` : '–';
      return `<tr><td>${esc(labels[reports.indexOf(r)])}</td><td style="text-align:left;white-space:normal">${esc(duplicateRule(r))}</td><td>${esc(dups)}</td><td>${r.verify.orphaned_entries ?? '–'}</td><td${r.verify.corrupt_loads > 0 ? ' class="lost"' : ''}>${r.verify.corrupt_loads}</td></tr>`;
    });
  return `<h2>Duplicate stores: the tmem contract</h2>
<p class="note">A slot (or file page) stored twice: the backend must overwrite and succeed, or drop the old copy and fail. Orphans are copies a backend holds for slots frontswap no longer marks; corrupt loads are data the verification caught.</p>
<table id="duplicates"><tr><th>configuration</th><th>on a duplicate store</th><th>duplicates</th><th>orphans at the end</th><th>corrupt loads</th></tr>${rows.join('')}</table>`;
}

function verdictBlock(reports: Report[]): string {
  const lines = verdict(reports);
  return lines.length === 0 ? '' : `<div class="verdict" id="verdict">${lines.map((l) => `<p>${esc(l)}</p>`).join('')}</div>`;
}

export function renderHtml(reports: Report[]): string {
  const c = reports[0].config;
  const title = `zswap-sim: ${c.trace}`;
  const data = JSON.stringify(reports).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">${esc(describeMachine(reports))}; reclaim batch ${c.reclaim_batch}, swap-cache writes ${esc(c.swapcache_write)}, pool in RAM ${c.pool_in_ram ? 'on' : 'off'} — zswap-sim ${VERSION}, ${new Date().toISOString()}</p>
${verdictBlock(reports)}
<h2>Configurations</h2>
${table(reports)}
<p class="note">RAM saved: stored pages minus the RAM their pools take (negative: a pool costs more than it holds). Disk I/O: pages written to and read from disk, "fewer" or "more" than without compressed swap. Compression µs and CPU s are this process's codecs (JavaScript, WebAssembly or native), not the kernel's.</p>
${duplicatesBlock(reports)}
<h2>Distributions</h2>
${percentileTable(reports)}
<p class="note">Latencies are this process's; ${PAUSE_FLAG} marks a p99 at least ten times the p50, dominated by this process's pauses (garbage collection, compilation, a worker starting) rather than by the codec. Sizes count the pages that fit one page; pages over 4 KiB are counted beside them.</p>
<div class="charts">${charts(reports).map(lineChart).join('\n')}</div>
<script type="application/json" id="zswap-sim-reports">${data}</script>
</body></html>
`;
}

/** Writes the report whole or not at all. */
export async function writeHtmlReport(file: string, reports: Report[]): Promise<void> {
  await writeFileAtomic(file, renderHtml(reports));
}
