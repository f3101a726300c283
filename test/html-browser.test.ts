/*
 * The HTML report in a real browser: Debian's Chromium, headless, driven by
 * playwright-core (no browser download). The report of `npm start`'s
 * comparison is opened at 800 pixels: it must load without a console error,
 * draw a non-empty path for every configuration in every chart that has its
 * data, keep the main table within the window, and open with the verdict.
 * A screenshot goes to docs/report.png for the README.
 *
 * The report's own structure (the verdict first, one path with points per
 * configuration in every chart) is checked from the file; the browser test
 * needs Chromium (/usr/bin/chromium, or CHROMIUM_PATH), which `npm test`'s
 * pretest step installs when it can (scripts/ensure-chromium.sh); where it
 * is missing the browser test fails, saying how to install it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { parse } from 'node-html-parser';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tmp } from './helpers.js';
import { styleOf } from '../src/report/svg.js';

const BROWSER = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NO_BROWSER = `no Chromium at ${BROWSER}: install it (apt-get install chromium) or set CHROMIUM_PATH`;

describe('the HTML report in Chromium', () => {
  it('twelve configurations get twelve distinct line styles', () => {
    const styles = Array.from({ length: 12 }, (_, i) => JSON.stringify(styleOf(i)));
    expect(new Set(styles).size).toBe(12);
  });

  const file = join(tmp, 'start.html');
  let reports: { config: { zswap_enabled: boolean } }[] = [];
  /** Paths a chart draws: one per configuration; the device I/O charts include the no-zswap baseline. */
  const expected = (id: string | null | undefined): number =>
    id === 'device-writes' || id === 'device-reads' ? reports.length : reports.filter((x) => x.config.zswap_enabled).length;

  beforeAll(async () => {
    const r = await cli('compare', 'traces/python-heap.trace.gz', '--zpools', 'zbud,zsmalloc', '--ram', '50%', '--html', file, '--json');
    expect(r.code, r.stderr).toBe(0);
    reports = JSON.parse(r.stdout) as typeof reports;
  }, 60_000);

  it("npm start's report as a file: the verdict before the table, a path with points per configuration in every chart", () => {
    const doc = parse(readFileSync(file, 'utf8'));
    const body = doc.querySelector('body')!.innerHTML;
    expect(body.indexOf('id="verdict"')).toBeGreaterThan(0);
    expect(body.indexOf('id="verdict"')).toBeLessThan(body.indexOf('id="comparison"'));
    const figures = doc.querySelectorAll('figure.chart');
    expect(figures).toHaveLength(8);
    for (const f of figures) {
      const paths = f.querySelectorAll('path.series');
      expect(paths, f.getAttribute('data-chart')).toHaveLength(expected(f.getAttribute('data-chart')));
      for (const p of paths) expect(p.getAttribute('data-points')!.split(' ').length).toBeGreaterThan(1);
    }
  });

  it("npm start's report in Chromium: loads cleanly, every chart drawn, readable at 800 px; screenshot for the README", async () => {
    expect(existsSync(BROWSER), NO_BROWSER).toBe(true);
    const browser = await chromium.launch({
      executablePath: BROWSER,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 1000 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('requestfailed', (q) => problems.push(`request failed: ${q.url()}`));
      await page.goto(`file://${file}`);
      expect(problems).toEqual([]);

      // the verdict first, then the table, which fits the window
      expect(await page.locator('#verdict').innerText()).toMatch(/Verdict: /);
      const widths = await page.evaluate(() => ({
        table: document.querySelector('#comparison')!.getBoundingClientRect().right,
        page: document.documentElement.scrollWidth,
        window: window.innerWidth,
      }));
      expect(widths.table).toBeLessThanOrEqual(widths.window);
      expect(widths.page).toBeLessThanOrEqual(widths.window);

      // every chart: one drawn path per configuration it plots
      const charts = await page.evaluate(() =>
        [...document.querySelectorAll('figure.chart')].map((f) => ({
          id: f.getAttribute('data-chart'),
          paths: [...f.querySelectorAll('path.series')].map((p) => {
            const box = (p as SVGPathElement).getBBox();
            return { d: p.getAttribute('d') ?? '', extent: box.width + box.height };
          }),
        })),
      );
      expect(charts).toHaveLength(8);
      for (const c of charts) {
        expect(c.paths, c.id!).toHaveLength(expected(c.id));
        for (const p of c.paths) {
          expect(p.d.length, c.id!).toBeGreaterThan(10);
          expect(p.extent, c.id!).toBeGreaterThan(0);
        }
      }

      mkdirSync('docs', { recursive: true });
      await page.screenshot({ path: 'docs/report.png', fullPage: false });
      expect(existsSync('docs/report.png')).toBe(true);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
