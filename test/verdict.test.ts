/*
 * The verdict (src/report/verdict.ts) and the marks of compare's table: one
 * function says what a comparison means; these are its rules on reports
 * shaped to each case.
 */
import { describe, expect, it } from 'vitest';
import { bestRows, formatCompare, selectColumns } from '../src/report/compare.js';
import { configLabels, diskIoAvoided, ramSaved } from '../src/report/figures.js';
import { buildReport, type Report } from '../src/report/report.js';
import { verdict } from '../src/report/verdict.js';
import { machine } from './support/machine.js';

const PAGE = 4096;

interface Shape {
  compressor?: string;
  zpool?: string;
  baseline?: boolean;
  stored?: number;
  poolPages?: number;
  bytesStored?: number;
  pswpout?: number;
  pswpin?: number;
  swapouts?: number;
  corrupt?: number;
  usPerPage?: number;
  zram?: { stored: number; memUsedPages: number; writes: number; reads: number };
}

/** A report of the shape given: a real one (an idle machine's), its figures set. */
function report(s: Shape): Report {
  const r = buildReport(machine({ kernel: '6.12', zpool: s.zpool ?? 'zbud' }), s.compressor ?? 'lz4', 0, 1);
  const c = r.config;
  c.trace = 't.trace';
  c.ram = 64 * PAGE;
  c.compressor = s.compressor ?? 'lz4';
  c.zswap_enabled = !s.baseline && s.zram === undefined;
  r.workload.pages_peak = 1000;
  r.swap.swapouts = s.swapouts ?? 500;
  r.swap.pswpout = s.pswpout ?? 0;
  r.swap.pswpin = s.pswpin ?? 0;
  r.zswap.stored_pages = s.stored ?? 0;
  r.pool.pages = s.poolPages ?? 0;
  r.zswap.pool_total_size = r.pool.pages * PAGE; // debugfs agrees unless a test says otherwise
  r.pool.bytes_stored = s.bytesStored ?? (s.poolPages ?? 0) * PAGE;
  r.verify.corrupt_loads = s.corrupt ?? 0;
  r.compression.pages = s.baseline ? 0 : 100;
  r.compression.compress_ns_total = (s.usPerPage ?? 10) * 1000 * r.compression.pages;
  if (s.zram !== undefined) {
    c.zram = [{ type: 0, disksize: 1 << 30, algorithm: s.compressor ?? 'lzo-rle', mem_limit: 0, priority: -1 }];
    c.swap_devices = [1 << 30];
    r.zram = [
      {
        ...r.zram[0],
        type: 0,
        disksize: 1 << 30,
        algorithm: s.compressor ?? 'lzo-rle',
        orig_data_size: s.zram.stored * PAGE,
        compr_data_size: 0,
        mem_used_total: s.zram.memUsedPages * PAGE,
        mem_limit: 0,
        mem_used_max: s.zram.memUsedPages * PAGE,
        same_pages: 0,
        pages_compacted: 0,
        huge_pages: 0,
        huge_pages_since: 0,
        failed_reads: 0,
        failed_writes: 0,
        notify_free: 0,
        num_reads: s.zram.reads,
        num_writes: s.zram.writes,
        compression: { ...r.compression },
      },
    ];
  }
  return r;
}

const base = (io = { pswpout: 1000, pswpin: 800 }) => report({ baseline: true, ...io });

describe('verdict', () => {
  it('names one configuration when it saves the most RAM and avoids the most disk I/O', () => {
    const reports = [
      base(),
      report({ compressor: 'lz4', stored: 400, poolPages: 200, pswpout: 700, pswpin: 600 }),
      report({ compressor: 'zstd', stored: 400, poolPages: 150, pswpout: 600, pswpin: 500, usPerPage: 30 }),
    ];
    const v = verdict(reports);
    expect(v[0]).toBe('Most RAM saved: zstd (1000 KiB, pool ratio 2.67).');
    expect(v[1]).toBe('Most disk I/O avoided: zstd (disk writes 400 fewer, reads 300 fewer, against no compressed swap).');
    expect(v[2]).toBe("Compression CPU (this process's codecs, not the kernel's): lz4 10.0 µs a page (0.5 s per GiB swapped out); zstd 30.0 µs a page (1.6 s per GiB swapped out).");
    expect(v.at(-1)).toBe('Verdict: zstd — it saves the most RAM and avoids the most disk I/O.');
  });

  it('says where results tie, and why when zbud caps them', () => {
    const reports = [
      base(),
      report({ compressor: 'lz4', stored: 400, poolPages: 200, pswpout: 700, pswpin: 600, usPerPage: 5 }),
      report({ compressor: 'deflate', stored: 400, poolPages: 200, pswpout: 700, pswpin: 600, usPerPage: 90 }),
    ];
    const v = verdict(reports);
    expect(v[0]).toBe('lz4 and deflate save the same RAM (800 KiB, pool ratio 2.00): zbud stores at most two objects a page, so every compressor above ~2:1 saves the same.');
    expect(v[1]).toMatch(/^Most disk I\/O avoided: lz4 and deflate \(disk writes 300 fewer/);
    // tied on both: the cheaper one is named
    expect(v.at(-1)).toBe('Verdict: lz4 — it saves the most RAM and avoids the most disk I/O, at the least compression CPU of those tied.');
  });

  it('says so when the baseline wins: pools that cost more than they hold, more disk I/O', () => {
    const reports = [base(), report({ stored: 10, poolPages: 40, pswpout: 1100, pswpin: 900 }), report({ compressor: 'zstd', stored: 10, poolPages: 30, pswpout: 1050, pswpin: 850 })];
    const v = verdict(reports);
    expect(v[0]).toBe('No configuration saves RAM: every pool takes at least as much as it holds uncompressed (best: zstd, -80.0 KiB).');
    expect(v[1]).toBe('No configuration avoids disk I/O: even the best, zstd, has disk writes 50 more, reads 50 more, against no compressed swap — its pool takes RAM the workload needed.');
    expect(v.at(-1)).toBe('Verdict: no compressed swap — on this trace and machine no configuration pays for its pool.');
  });

  it('nothing swapped: says so with the working set and a --ram, calls nothing best, in the verdict and the table', () => {
    const reports = [base({ pswpout: 0, pswpin: 0 }), report({}), report({ compressor: 'zstd' })];
    for (const r of reports) r.swap.swapouts = 0;
    expect(verdict(reports)).toEqual([
      "Nothing was swapped out: the trace's working set (1,000 pages, 3.91 MiB) fits in RAM (256 KiB), so every configuration behaves the same. To compare them, give it less RAM than that, e.g. --ram 50% (1.95 MiB).",
    ]);
    expect(bestRows(reports, selectColumns('wide')).every((s) => s.size === 0)).toBe(true);
    expect(formatCompare(reports, false)).not.toContain('*');
  });

  it('almost nothing swapped (under 2 % of the working set): says the differences are too small to choose by', () => {
    const reports = [base({ pswpout: 10, pswpin: 3 }), report({ stored: 5, poolPages: 2 }), report({ compressor: 'zstd', stored: 5, poolPages: 1 })];
    for (const r of reports) r.swap.swapouts = 12;
    const v = verdict(reports);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/^Almost nothing was swapped out \(12 pages for a working set of 1,000 pages, 3.91 MiB in 256 KiB of RAM\)/);
    expect(formatCompare(reports, false)).not.toContain('*');
  });

  it('a configuration that lost data is named first and never recommended, even when it looks best', () => {
    const reports = [
      base(),
      report({ compressor: 'lz4', stored: 900, poolPages: 100, pswpout: 100, pswpin: 100, corrupt: 2 }),
      report({ compressor: 'zstd', stored: 400, poolPages: 200, pswpout: 700, pswpin: 600 }),
    ];
    const v = verdict(reports);
    expect(v[0]).toBe('lz4 LOST DATA: 2 loads returned other content than the trace wrote — never use it.');
    expect(v.at(-1)).toBe('Verdict: zstd — it saves the most RAM and avoids the most disk I/O.');
    const best = bestRows(reports, selectColumns(undefined));
    expect(best.every((s) => !s.has(1))).toBe(true);
  });

  it('names two winners when one saves RAM and another avoids I/O', () => {
    const reports = [
      base(),
      report({ compressor: 'lz4', stored: 400, poolPages: 100, pswpout: 900, pswpin: 700 }),
      report({ compressor: 'zstd', stored: 300, poolPages: 200, pswpout: 600, pswpin: 500 }),
    ];
    expect(verdict(reports).at(-1)).toBe('Verdict: lz4 to save RAM, zstd to avoid disk I/O.');
  });

  it('covers zram: its pages and memory in RAM saved, its own I/O not counted as disk I/O', () => {
    const zram = report({ compressor: 'lzo-rle', zram: { stored: 600, memUsedPages: 200, writes: 900, reads: 700 }, pswpout: 900, pswpin: 700 });
    const reports = [base(), report({ compressor: 'lz4', stored: 300, poolPages: 150, pswpout: 800, pswpin: 600 }), zram];
    expect(ramSaved(zram)).toBe(400 * PAGE);
    expect(diskIoAvoided(zram, reports[0])).toBe(1800);
    expect(configLabels(reports)).toEqual(['no compressed swap', 'zswap lz4', 'zram lzo-rle']);
    const v = verdict(reports);
    expect(v.at(-1)).toBe('Verdict: zram lzo-rle — it saves the most RAM and avoids the most disk I/O.');
    // its zsmalloc pool holds no compressed bytes in this shaped report: the caveat covers zram too
    expect(v.at(-2)).toMatch(/^Caveat: .*zram lzo-rle \(zram0\) 0 % full/);
  });

  it('warns that zsmalloc compaction is not modelled when a zsmalloc pool ends sparse', () => {
    const sparse = report({ compressor: 'zstd', zpool: 'zsmalloc', stored: 400, poolPages: 100, bytesStored: 50 * PAGE, pswpout: 700, pswpin: 600 });
    sparse.config.zpool = 'zsmalloc';
    const v = verdict([base(), sparse]);
    expect(v.at(-1)).toMatch(/^Verdict: /);
    expect(v.at(-2)).toBe(
      'Caveat: zsmalloc compaction is not modelled (SPEC §7.3), and here it matters: zstd 50 % full at the end. The kernel would compact that pool, so its RAM saved is a lower bound.',
    );
  });
});

describe("compare's table", () => {
  it('fits 100 columns by default and labels every change against the baseline in words', () => {
    const reports = [
      base(),
      report({ compressor: 'lz4', stored: 10, poolPages: 40, pswpout: 1007, pswpin: 836 }),
      report({ compressor: 'zstd', stored: 400, poolPages: 150, pswpout: 600, pswpin: 800 }),
    ];
    const out = formatCompare(reports, false);
    for (const line of out.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(100);
    expect(out).toContain('1,007 (7 more)');
    expect(out).toContain('836 (36 more)');
    expect(out).toContain('600 (400 fewer)*');
    expect(out).toContain('800 (same)');
    expect(out).toContain('-120 KiB');
    expect(out).toContain('negative: a pool costs');
    expect(out).toContain('Most disk I/O avoided: zstd (disk writes 400 fewer, reads the same, against');
  });

  it("shows debugfs's cached pool_total_size beside the real pages when they differ (≤ 6.1)", () => {
    const lag = report({ stored: 40, poolPages: 20, pswpout: 900 });
    lag.zswap.pool_total_size = 18 * PAGE;
    const out = formatCompare([base(), lag, report({ compressor: 'zstd', stored: 40, poolPages: 10, pswpout: 800 })], false);
    expect(out.replace(/\n {2}/g, ' ')).toContain("debugfs's pool_total_size is cached (≤ 6.1) and lags the pool: lz4 72.0 KiB (real 80.0 KiB); the table uses the real pages.");
  });

  it('--columns picks columns by name; an unknown one is a usage error naming the choices', () => {
    const out = formatCompare([base(), report({ stored: 4, poolPages: 2, pswpout: 10 })], false, selectColumns(['pool_ratio', 'written_back']));
    expect(out.split('\n')[1]).toMatch(/^configuration\s+ratio\s+back$/);
    expect(() => selectColumns(['ram_saved', 'bogus'])).toThrow("--columns: unknown column 'bogus' (columns: ram_saved, pool_ratio");
  });
});
