import { readFileSync } from 'node:fs';
import { PROGRESS_WIDTH, countLines, progressLine, shareDone } from '../src/cli/progress.js';
import { visibleLength } from '../src/report/text-table.js';
import { join } from 'node:path';
import { parse } from 'node-html-parser';
import { describe, expect, it } from 'vitest';
import { CSV_HEADER } from '../src/report/compare.js';
import type { Report } from '../src/report/report.js';
import { bufferIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { cli, tmp, withoutTimings } from './helpers.js';

const TRACE = 'traces/default.trace.gz';
const MACHINE = ['--ram', '4M', '--swap', '16M', '--threads', '0'];

describe('compare', () => {
  it('prints one row per configuration plus the baseline, best values marked', async () => {
    const { code, stdout } = await cli('compare', TRACE, '--compressors', 'lz4,deflate', '--max-pool-percent', '10,20', ...MACHINE);
    expect(code).toBe(0);
    // body rows: after the rule under the heads, up to the notes; labels name only what varies
    const lines = stdout.split('\n');
    const rule = lines.findIndex((l) => l.startsWith('──'));
    const rows = lines.slice(rule + 1, rule + 6);
    expect(rows.map((r) => r.split(/\s{2,}/)[0])).toEqual(['no compressed swap', 'lz4 10%', 'deflate:6 10%', 'lz4 20%', 'deflate:6 20%']);
    expect(lines[rule + 6]).toMatch(/^trace traces\/default\.trace\.gz: RAM 4\.00 MiB, swap 16\.0 MiB, kernel 6\.12/);
    expect(stdout).toMatch(/\d\*/);
    expect(stdout).toContain('*: best of a column');
    expect(stdout).toMatch(/\nVerdict: /);
    for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(100);
  });

  it('labels tell apart layouts that differ only in sizes: zram sizes named, other layouts by --swap', async () => {
    const labels = async (...args: string[]) => {
      const { code, stdout, stderr } = await cli('compare', TRACE, '--compressors', 'lz4', '--ram', '4M', '--threads', '0', ...args);
      expect(code, stderr).toBe(0);
      const lines = stdout.split('\n');
      const rule = lines.findIndex((l) => l.startsWith('──'));
      return lines.slice(rule + 2, lines.findIndex((l) => l.startsWith('trace '))).map((r) => r.split(/\s{2,}/)[0]);
    };
    expect(await labels('--swaps', 'zram:8M,16M', 'zram:4M,16M', 'zram:16M')).toEqual(['zram 8M lz4 + disk', 'zram 4M lz4 + disk', 'zram 16M lz4']);
    expect(await labels('--swaps', 'zram:8M', 'zram:8M,16M')).toEqual(['zram lz4', 'zram lz4 + disk']);
    expect(await labels('--swaps', '16M', '32M')).toEqual(['lz4 (swap 16M)', 'lz4 (swap 32M)']);
    expect(await labels('--swaps', '16M', 'zram:4M,16M', '--zswap', 'on')).toEqual(['zswap lz4', 'zswap lz4 + zram lz4 + disk']);
  });

  it('--json prints an array of SPEC §11 reports, the baseline first', async () => {
    const { code, stdout } = await cli('compare', TRACE, '--compressors', 'lz4,zstd', '--kernel', '3.11,5.10', '--json', ...MACHINE);
    expect(code).toBe(0);
    const reports = JSON.parse(stdout) as Report[];
    expect(reports).toHaveLength(5);
    expect(reports[0].config.zswap_enabled).toBe(false);
    expect(reports[0].frontswap).toEqual({ succ_stores: 0, failed_stores: 0, loads: 0, invalidates: 0, curr_pages: 0 });
    expect(reports[0].swap.pswpout).toBe(reports[0].swap.swapouts); // every swap-out goes to the device
    for (const r of reports) {
      for (const key of ['config', 'vm', 'swap', 'frontswap', 'zswap', 'pool', 'compression', 'verify', 'timing']) expect(r).toHaveProperty(key);
    }
    expect(reports.slice(1).map((r) => `${r.config.kernel} ${r.config.compressor}`)).toEqual(['3.11 lz4', '3.11 zstd:3', '5.10 lz4', '5.10 zstd:3']);
    // the same trace: the accesses are the same in every configuration
    expect(new Set(reports.map((r) => r.vm.accesses)).size).toBe(1);
  });

  it('--csv writes the header and one row per configuration', async () => {
    const file = join(tmp, 'cmp.csv');
    const { code } = await cli('compare', TRACE, '--compressors', 'lz4,deflate', '--csv', file, ...MACHINE);
    expect(code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    expect(lines).toHaveLength(4);
    expect(lines[1].startsWith('no compressed swap,')).toBe(true);
    expect(lines[2].split(',')).toHaveLength(CSV_HEADER.length);
  });

  it('a bad compressor name is status 2', async () => {
    const { code, stderr } = await cli('compare', TRACE, '--compressors', 'lz4,nope');
    expect(code).toBe(2);
    expect(stderr).toContain("--compressors: unknown compressor 'nope'");
  });

  it('--zpools and --kernel are lists: one row per combination', async () => {
    const { code, stdout } = await cli('compare', TRACE, '--compressors', 'lz4', '--zpools', 'zbud,z3fold,zsmalloc', '--kernel', '6.1,6.12', '--json', ...MACHINE);
    expect(code).toBe(0);
    const reports = JSON.parse(stdout) as Report[];
    expect(reports.slice(1).map((r) => `${r.config.kernel} ${r.config.zpool}`)).toEqual(['6.1 zbud', '6.1 z3fold', '6.1 zsmalloc', '6.12 zbud', '6.12 z3fold', '6.12 zsmalloc']);
    // each compared kernel defaults to its own zpool when --zpools is not given
    const dflt = JSON.parse((await cli('compare', TRACE, '--compressors', 'lz4', '--kernel', '5.10,6.12,6.18', '--json', ...MACHINE)).stdout) as Report[];
    expect(dflt.slice(1).map((r) => `${r.config.kernel} ${r.config.zpool}`)).toEqual(['5.10 zbud', '6.12 zsmalloc', '6.18 zsmalloc']);
  });

  it('a profile that lacks a listed zpool is refused by name, not skipped', async () => {
    const { code, stderr, stdout } = await cli('compare', TRACE, '--compressors', 'lz4', '--zpools', 'zbud,zsmalloc', '--kernel', '6.12,6.18', ...MACHINE);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--zpools zbud cannot be used with --kernel 6.18: Linux 6.18 has zsmalloc only');
  });

  const EMPTY: [string[], string][] = [
    [['--compressors', ''], '--compressors: the list is empty'],
    [['--compressors', ',,'], "--compressors: item 1 of ',,' is empty"],
    [['--compressors', 'lz4,,zstd'], "--compressors: item 2 of 'lz4,,zstd' is empty"],
    [['--compressors', 'lz4', '--max-pool-percent', ''], '--max-pool-percent: the list is empty'],
    [['--compressors', 'lz4', '--zpools', ''], '--zpools: the list is empty'],
    [['--compressors', 'lz4', '--kernel', '6.12,'], "--kernel: item 2 of '6.12,' is empty"],
    [['--compressors', 'lz4,lz4'], "--compressors: 'lz4' is listed twice"],
    [['--compressors', 'deflate,deflate:6'], "--compressors: 'deflate:6' is listed twice (as 'deflate' too)"],
    [['--compressors', 'lz4', '--max-pool-percent', '10,10'], "--max-pool-percent: '10' is listed twice"],
  ];
  for (const [args, msg] of EMPTY) {
    it(`an empty or repeated list item is a usage error: ${args.join(' ')}`, async () => {
      const { code, stderr, stdout } = await cli('compare', TRACE, ...args, ...MACHINE);
      expect(code).toBe(2);
      expect(stderr).toContain(msg);
      expect(stdout).toBe('');
    });
  }
});

describe('HTML report', () => {
  it('is self-contained, and every chart carries the run data', async () => {
    const file = join(tmp, 'report.html');
    const io = bufferIo();
    const code = await main(['compare', TRACE, '--compressors', 'lz4,deflate', '--html', file, '--json', ...MACHINE], io);
    expect(code).toBe(0);
    const reports = JSON.parse(io.stdout) as Report[];
    const html = readFileSync(file, 'utf8');
    // nothing to fetch: no external scripts, styles, images or fonts
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/);
    const doc = parse(html);
    const charts = doc.querySelectorAll('figure.chart');
    expect(charts.map((c) => c.getAttribute('data-chart'))).toEqual([
      'size-cdf',
      'compress-latency-cdf',
      'decompress-latency-cdf',
      'pool-size',
      'stored-pages',
      'device-writes',
      'device-reads',
      'pool-object-sizes',
    ]);
    for (const chart of charts) {
      const paths = chart.querySelectorAll('path.series');
      expect(paths.length, chart.getAttribute('data-chart')).toBeGreaterThan(0);
      for (const p of paths) expect(p.getAttribute('data-points')!.split(' ').length).toBeGreaterThan(1);
    }
    // the CDFs pass through the reported percentiles
    const withZswap = reports.filter((r) => r.config.zswap_enabled);
    const cdfs = [
      ['size-cdf', 'size_percentiles'],
      ['compress-latency-cdf', 'compress_ns_percentiles'],
      ['decompress-latency-cdf', 'decompress_ns_percentiles'],
    ] as const;
    for (const [id, key] of cdfs) {
      const chart = charts.find((c) => c.getAttribute('data-chart') === id)!;
      for (const r of withZswap) {
        const path = chart.querySelectorAll('path.series').find((p) => p.getAttribute('data-series')!.startsWith(r.config.compressor))!;
        const points = path.getAttribute('data-points')!.split(' ').map((s) => s.split(',').map(Number));
        for (const p of [5, 50, 90, 99] as const) {
          const v = r.compression[key][`p${p}`]! / (key === 'size_percentiles' ? 1 : 1000); // latencies are plotted in µs
          const at = points.findIndex(([x]) => x === v);
          expect(at, `${id} ${r.config.compressor} p${p}=${v}`).toBeGreaterThanOrEqual(0);
          expect(points[at][1]).toBeGreaterThanOrEqual(p / 100);
          if (at > 0) expect(points[at - 1][1]).toBeLessThan(p / 100);
        }
      }
    }
    // the time series end at the reported values
    const pool = charts.find((c) => c.getAttribute('data-chart') === 'pool-size')!;
    for (const r of withZswap) {
      const path = pool.querySelectorAll('path.series').find((p) => p.getAttribute('data-series')!.startsWith(r.config.compressor))!;
      const last = path.getAttribute('data-points')!.split(' ').at(-1)!.split(',').map(Number);
      expect(last[0]).toBe(r.time_series!.records.at(-1));
      expect(last[0]).toBeGreaterThanOrEqual(r.vm.accesses);
      expect(last[1]).toBeCloseTo(r.zswap.pool_total_size / 1048576, 5);
    }
    // the table has a row per configuration and the embedded data parses
    expect(doc.querySelectorAll('#comparison tr')).toHaveLength(reports.length + 1);
    expect(JSON.parse(doc.querySelector('#zswap-sim-reports')!.text)).toHaveLength(reports.length);
  });

  it('run --html writes a report for one configuration', async () => {
    const file = join(tmp, 'run.html');
    const { code } = await cli('run', TRACE, '--html', file, ...MACHINE);
    expect(code).toBe(0);
    const doc = parse(readFileSync(file, 'utf8'));
    expect(doc.querySelectorAll('figure.chart').length).toBe(8);
    expect(doc.querySelectorAll('#comparison tr')).toHaveLength(2);
    // one run has no baseline: no change against one, no best, no verdict between configurations
    const table = doc.querySelector('#comparison')!.text;
    expect(table).not.toMatch(/fewer|more|same/);
    expect(doc.querySelectorAll('#comparison td.best')).toHaveLength(0);
    expect(doc.querySelector('#verdict')?.text ?? '').not.toMatch(/Most|Verdict/);
  });
});

describe('progress', () => {
  async function withTty(args: string[], env: Record<string, string> = {}) {
    const io = bufferIo(true);
    Object.assign(io.env, { ZSWAP_SIM_PROGRESS_DELAY_MS: '0', ...env });
    const code = await main(args, io);
    return { code, ...io };
  }

  it('draws a bar on a terminal stderr that fits 80 columns, and clears it at the end', async () => {
    const r = await withTty(['run', TRACE, ...MACHINE]);
    expect(r.code).toBe(0);
    const frames = r.stderr.split('\r').filter((f) => f !== '');
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.at(-2)).toMatch(/^lz4 \S+ 100% [\d,]+ records checking…/); // the trace is read; the final check remains
    expect(r.stderr.endsWith('\r\u001b[K')).toBe(true); // the last frame is cleared: nothing stale stays on screen
    for (const f of frames) expect(visibleLength(f.replace('\u001b[K', '')), f).toBeLessThanOrEqual(PROGRESS_WIDTH);
    expect(r.stderr).toContain('\u001b[36m'); // coloured
  });

  it("tracks the trace's lines replayed, not the file bytes read ahead of them", async () => {
    expect(await countLines(TRACE)).toBe(9842); // trace info's line count
    // half the lines replayed is 50 %, however far the file was read ahead or how long the lines are
    expect(shareDone(4921, 9842)).toBe(0.5);
    // until the lines are counted: unknown, not a guess from bytes
    expect(shareDone(4921, null)).toBeNull();
    expect(progressLine('lz4', shareDone(4921, null), 4920, null, false)).toBe('lz4 ░░░░░░░░░░░░░░░░░░░░   ?% 4,920 records ETA ?');
  });

  it('a frame says ETA ? until a share is done, and names long labels shortly', () => {
    expect(progressLine('lz4', 0, 0, null, false)).toBe('lz4 ░░░░░░░░░░░░░░░░░░░░   0% 0 records ETA ?');
    expect(progressLine('12 configurations of a very long name', 0.5, 1234567, 75, false)).toBe('12 configurations of … ██████████░░░░░░░░░░  50% 1,234,567 records ETA 1m15s');
  });

  it('honours NO_COLOR', async () => {
    const r = await withTty(['run', TRACE, ...MACHINE], { NO_COLOR: '1' });
    expect(r.stderr).toMatch(/records/);
    expect(r.stderr).not.toContain('\u001b[36m');
  });

  it('stays silent with --json, --quiet, or when stderr is not a terminal', async () => {
    expect((await withTty(['run', TRACE, '--json', ...MACHINE])).stderr).toBe('');
    expect((await withTty(['run', TRACE, '--quiet', ...MACHINE])).stderr).toBe('');
    const plain = bufferIo(false);
    plain.env.ZSWAP_SIM_PROGRESS_DELAY_MS = '0';
    await main(['run', TRACE, ...MACHINE], plain);
    expect(plain.stderr).toBe('');
  });

  it('waits a second before appearing by default', async () => {
    const io = bufferIo(true);
    await main(['run', 'test/fixtures/basic.trace', '--ram', '2p', '--threads', '0'], io);
    expect(io.stderr).toBe('');
  });
});

describe('compare shares one read among its configurations', () => {
  const strip = (r: Report) => withoutTimings(r);

  for (const threads of ['0', '2']) {
    it(`each configuration reports what run reports alone (--threads ${threads})`, async () => {
      const args = ['--ram', '4M', '--swap', '16M', '--kernel', '3.11', '--threads', threads];
      const cmp = await cli('compare', TRACE, '--compressors', 'lz4,zstd', ...args, '--json');
      expect(cmp.code).toBe(0);
      const reports = JSON.parse(cmp.stdout) as Report[];
      for (const r of reports.slice(1)) {
        const alone = await cli('run', TRACE, '--compressor', r.config.compressor, ...args, '--json');
        expect(strip(r)).toEqual(strip(JSON.parse(alone.stdout) as Report));
      }
    });
  }

  it('a stop names the configuration', async () => {
    const { code, stderr } = await cli('compare', 'test/fixtures/basic.trace', '--compressors', 'lz4', '--ram', '1p', '--swap', '2p', '--pool-in-ram', 'off', '--threads', '0');
    expect(code).toBe(4);
    expect(stderr).toMatch(/configuration (baseline|lz4 zsmalloc 20% k6\.12): out of swap at test\/fixtures\/basic\.trace:\d+/);
  });
});
