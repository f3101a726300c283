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
import { COLUMNS, bestRows, cellText, configLabel } from './compare.js';
import type { Report } from './report.js';
import { formatBytes, occupancyText } from './summary.js';
import { PALETTE, esc, lineChart, type ChartSpec, type Series } from './svg.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1340px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
.meta{color:#555} table{border-collapse:collapse;font-size:12.5px;margin:1em 0}
th,td{border:1px solid #ddd;padding:4px 7px;text-align:right;white-space:nowrap} th{background:#f4f6f8;white-space:normal;vertical-align:bottom}
.scroll{overflow-x:auto}
td:first-child,th:first-child{text-align:left} td.best{background:#e3f4e6;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:12px} figure.chart{margin:0;border:1px solid #e4e4e4;border-radius:4px}
svg text{font:11px system-ui,sans-serif;fill:#333} svg .title{font-size:13px;font-weight:600}
svg .label{font-size:12px} svg .grid{stroke:#eee} svg .frame{fill:none;stroke:#999}
svg .series{fill:none;stroke-width:1.8} svg .legend{font-size:11px}
`;

function table(reports: Report[]): string {
  const base = reports.find((r) => !r.config.zswap_enabled) ?? reports[0];
  const best = bestRows(reports, base);
  const head = `<tr><th>configuration</th>${COLUMNS.map((c) => `<th>${esc(c.head.replace('\n', ' '))}</th>`).join('')}</tr>`;
  const rows = reports.map(
    (r, i) =>
      `<tr><td>${esc(configLabel(r))}</td>${COLUMNS.map((c, j) => {
        const cell = cellText(c, r, base);
        return `<td${best[j].has(i) ? ' class="best"' : ''}>${esc(cell)}</td>`;
      }).join('')}</tr>`,
  );
  return `<div class="scroll"><table id="comparison">${head}${rows.join('')}</table></div>`;
}

/** One colour per configuration, the same in every chart. */
function colourOf(r: Report, all: Report[]): string {
  return PALETTE[all.indexOf(r) % PALETTE.length];
}

function seriesOf(reports: Report[], all: Report[], pick: (r: Report) => [number, number][]): Series[] {
  return reports.map((r) => ({ name: configLabel(r), points: pick(r), colour: colourOf(r, all) })).filter((s) => s.points.length > 0);
}

function overTime(r: Report, field: 'pool_total_size' | 'stored_pages' | 'pswpout' | 'pswpin', scale = 1): [number, number][] {
  const ts = r.time_series;
  return ts === null ? [] : ts.records.map((rec, i) => [rec, ts[field][i] / scale]);
}

/** The charts of a set of reports (configurations with zswap; I/O includes the baseline). */
export function charts(reports: Report[]): ChartSpec[] {
  const z = reports.filter((r) => r.config.zswap_enabled);
  const MiB = 1024 * 1024;
  return [
    { id: 'size-cdf', title: 'Compressed size (CDF)', xLabel: 'compressed bytes per page', yLabel: 'fraction of pages', step: true, yMax: 1, series: seriesOf(z, reports, (r) => r.distributions.size_cdf) },
    { id: 'compress-latency-cdf', title: 'Compression latency per page (CDF)', xLabel: 'ns (log scale)', yLabel: 'fraction of pages', xLog: true, step: true, yMax: 1, series: seriesOf(z, reports, (r) => r.distributions.compress_ns_cdf) },
    { id: 'decompress-latency-cdf', title: 'Decompression latency per page (CDF)', xLabel: 'ns (log scale)', yLabel: 'fraction of pages', xLog: true, step: true, yMax: 1, series: seriesOf(z, reports, (r) => r.distributions.decompress_ns_cdf) },
    { id: 'pool-size', title: 'zswap pool size over time', xLabel: 'trace records', yLabel: 'pool_total_size (MiB)', series: seriesOf(z, reports, (r) => overTime(r, 'pool_total_size', MiB)) },
    { id: 'stored-pages', title: 'Stored pages over time', xLabel: 'trace records', yLabel: 'stored_pages', series: seriesOf(z, reports, (r) => overTime(r, 'stored_pages')) },
    { id: 'device-writes', title: 'Device writes over time (cumulative)', xLabel: 'trace records', yLabel: 'pswpout (pages)', series: seriesOf(reports, reports, (r) => overTime(r, 'pswpout')) },
    { id: 'device-reads', title: 'Device reads over time (cumulative)', xLabel: 'trace records', yLabel: 'pswpin (pages)', series: seriesOf(reports, reports, (r) => overTime(r, 'pswpin')) },
    {
      id: 'pool-object-sizes',
      title: 'Pool object sizes',
      xLabel: 'zbud/z3fold: 64-byte chunks; zsmalloc: size class (bytes)',
      yLabel: 'allocations',
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
  const head = `<tr><th>configuration</th><th>metric</th>${PERCENTILES.map((p) => `<th>p${p}</th>`).join('')}</tr>`;
  const rows: string[] = [];
  for (const r of z) {
    const c = r.compression;
    for (const [metric, values] of [
      ['compressed bytes', c.size_percentiles],
      ['compress ns', c.compress_ns_percentiles],
      ['decompress ns', c.decompress_ns_percentiles],
    ] as const) {
      rows.push(`<tr><td>${esc(configLabel(r))}</td><td>${metric}</td>${PERCENTILES.map((p) => `<td>${values[`p${p}`] ?? '–'}</td>`).join('')}</tr>`);
    }
    rows.push(`<tr><td>${esc(configLabel(r))}</td><td>${esc(r.config.zpool)}</td><td colspan="${PERCENTILES.length}" style="text-align:left">${esc(occupancyText(r))}</td></tr>`);
  }
  return `<table id="distributions">${head}${rows.join('')}</table>`;
}

export function renderHtml(reports: Report[]): string {
  const c = (reports.find((r) => r.config.zswap_enabled) ?? reports[0]).config;
  const title = `zswap-sim: ${c.trace}`;
  const data = JSON.stringify(reports).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">RAM ${formatBytes(c.ram)}, swap ${c.swap_devices.map(formatBytes).join(' + ')}, reclaim batch ${c.reclaim_batch}, swap-cache writes ${esc(c.swapcache_write)}, pool in RAM ${c.pool_in_ram ? 'on' : 'off'} — zswap-sim ${VERSION}, ${new Date().toISOString()}</p>
<h2>Configurations</h2>
${table(reports)}
<h2>Distributions</h2>
${percentileTable(reports)}
<div class="charts">${charts(reports).map(lineChart).join('\n')}</div>
<script type="application/json" id="zswap-sim-reports">${data}</script>
</body></html>
`;
}

/** Writes the report whole or not at all. */
export async function writeHtmlReport(file: string, reports: Report[]): Promise<void> {
  await writeFileAtomic(file, renderHtml(reports));
}
