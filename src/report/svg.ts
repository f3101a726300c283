/*
 * Line charts as inline SVG, for the self-contained HTML report: no
 * scripts, no fonts or files to fetch. Axes get "nice" ticks (1, 2, 5 × 10^k),
 * a log axis gets decades; each series is one path whose points are also
 * kept, unscaled, in a data-points attribute so the figures can be read back
 * (and tested) from the file.
 */

export interface Series {
  name: string;
  points: [number, number][];
  /** Stroke colour and dash pattern; by default from the series' index (styleOf). */
  colour?: string;
  dash?: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xLog?: boolean;
  /** Draw as steps (CDFs). */
  step?: boolean;
  /** Draw as a step histogram: each point is a bin from its x to the next point's x. */
  histogram?: boolean;
  yMax?: number;
}

// Okabe–Ito without its yellow (too pale on white): distinguishable with the
// common colour-vision deficiencies. Past seven series the colours repeat
// with a dash pattern, so twelve configurations are twelve distinct lines.
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const DASHES = ['', '7 4', '2 3'];

/** The colour and dash of the i-th configuration, the same in every chart. */
export function styleOf(i: number): { colour: string; dash: string } {
  return { colour: PALETTE[i % PALETTE.length], dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length] };
}

const W = 640;
const PLOT_H = 300;
const M = { left: 70, right: 20, top: 36, bottom: 48 };
const LEGEND_ROW = 16;

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

/** Escapes text for HTML and SVG. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function lineChart(spec: ChartSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  let x0 = xs.length ? Math.min(...xs) : 0;
  let x1 = xs.length ? Math.max(...xs) : 1;
  if (spec.xLog) {
    x0 = 10 ** Math.floor(Math.log10(Math.max(1, x0)));
    x1 = 10 ** Math.ceil(Math.log10(Math.max(x0 * 10, x1)));
  } else {
    x0 = Math.min(0, x0);
    if (x1 === x0) x1 = x0 + 1;
  }
  const y1 = spec.yMax ?? (ys.length ? Math.max(...ys) * 1.05 || 1 : 1);
  const pw = W - M.left - M.right;
  const ph = PLOT_H - M.top - M.bottom;
  // two legend columns, one when names are long (a coinciding line's name grows)
  const legendCols = spec.series.some((s) => s.name.length > 24) ? 1 : 2;
  const H = PLOT_H + Math.ceil(spec.series.length / legendCols) * LEGEND_ROW + 8;
  const sx = (x: number): number =>
    M.left + (spec.xLog ? (Math.log10(Math.max(x, x0)) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0)) : (x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => M.top + ph - (y / y1) * ph;

  const parts: string[] = [];
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" class="title">${esc(spec.title)}</text>`);
  // grid and ticks
  const xTicks: number[] = [];
  if (spec.xLog) for (let v = x0; v <= x1 * 1.0001; v *= 10) xTicks.push(v);
  else for (let v = 0, st = niceStep(x1 - x0, 6); v <= x1 + st * 1e-9; v += st) xTicks.push(x0 + v);
  const yStep = niceStep(y1, 5);
  for (const v of xTicks) {
    const x = sx(v).toFixed(1);
    parts.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}" class="grid"/><text x="${x}" y="${M.top + ph + 16}" text-anchor="middle">${fmtTick(v)}</text>`);
  }
  for (let v = 0; v <= y1 + yStep * 1e-9; v += yStep) {
    const y = sy(v).toFixed(1);
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" class="grid"/><text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmtTick(v)}</text>`);
  }
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" class="frame"/>`);
  parts.push(`<text x="${M.left + pw / 2}" y="${PLOT_H - 10}" text-anchor="middle" class="label">${esc(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" class="label">${esc(spec.yLabel)}</text>`);
  // series; a series identical to an earlier one is drawn dashed over it, and the legend says so
  const raws = spec.series.map((s) => s.points.map(([x, y]) => `${x},${+y.toFixed(6)}`).join(' '));
  spec.series.forEach((s, i) => {
    const own = styleOf(i);
    const colour = s.colour ?? own.colour;
    const first = raws.indexOf(raws[i]);
    const coincides = first < i && raws[i] !== '';
    const dash = coincides ? '5 5' : (s.dash ?? own.dash);
    let d = '';
    s.points.forEach(([x, y], k) => {
      const px = sx(x).toFixed(1);
      const py = sy(y).toFixed(1);
      if (spec.histogram) {
        const next = s.points[k + 1]?.[0] ?? x + (k > 0 ? x - s.points[k - 1][0] : 1);
        d += `${k === 0 ? `M${px} ${sy(0).toFixed(1)}` : `H${px}`}V${py}H${sx(next).toFixed(1)}V${sy(0).toFixed(1)}`;
      } else if (k === 0) d += `M${px} ${spec.step ? sy(0).toFixed(1) : py}${spec.step ? `V${py}` : ''}`;
      else d += spec.step ? `H${px}V${py}` : `L${px} ${py}`;
    });
    const dashAttr = dash === '' ? '' : ` stroke-dasharray="${dash}"${coincides ? ` stroke-dashoffset="${5 * (i - first)}"` : ''}`;
    parts.push(`<path d="${d}" stroke="${colour}"${dashAttr} class="series" data-series="${esc(s.name)}" data-points="${raws[i]}"/>`);
    const lx = M.left + (i % legendCols) * (pw / legendCols);
    const ly = PLOT_H + 4 + Math.floor(i / legendCols) * LEGEND_ROW;
    const name = coincides ? `${s.name} (same as ${spec.series[first].name})` : s.name;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 16}" y2="${ly}" stroke="${colour}" stroke-width="2.5"${dash === '' ? '' : ` stroke-dasharray="${dash === '5 5' ? '4 2' : dash}"`}/>` +
        `<text x="${lx + 22}" y="${ly}" dominant-baseline="middle" class="legend">${esc(name)}</text>`,
    );
  });
  // the viewBox scales the chart down to a narrow window
  return `<figure class="chart" data-chart="${esc(spec.id)}"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(spec.title)}">${parts.join('')}</svg></figure>`;
}
