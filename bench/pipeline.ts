/*
 * bench/pipeline: `zswap-sim run` end to end at --threads 0, 1 and 2 — wall
 * time and swapped-out pages per second (median of runs) — against bare
 * in-process compression of the same pages with the same codec, measured in
 * the same benchmark run; and the peak RSS of each run against the bytes it
 * simulates (RAM + device slots used + the pool when it is outside RAM).
 *
 * Scenarios, each chosen so that compression is the work being measured:
 *   lz4 write stream      a process fills 128 MiB (trace gen scan --ops 0) in
 *                         a 32 MiB machine whose pool may hold everything:
 *                         every swap-out is compressed and stored, none
 *                         written back, and all are checked at the end
 *   deflate write stream  the same trace with deflate: the most deflate-bound
 *                         trace there is (deflate is ~80 % of an in-process run)
 *   deflate zipf          skewed reuse over 32 MiB of pages in 16 MiB of RAM,
 *                         pool outside RAM and large enough not to fill: faults,
 *                         rewrites and mispredicted evictions (deflate ~70 %)
 *   brotli:9 zipf         the same with a codec that costs ~2 ms a page: how
 *                         far the pipeline itself scales
 * Targets (README, Performance): lz4 best run ÷ bare ≥ 0.8; deflate write
 * stream --threads 2 ÷ --threads 0 ≥ 1.7; peak RSS ≤ 1.2 × simulated + 150 MB.
 *
 *   node dist/bench/pipeline.js [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bufferIo } from '../src/cli/io.js';
import { main as cliMain } from '../src/cli/main.js';
import { createCodec } from '../src/compress/registry.js';
import type { Report } from '../src/report/report.js';
import { summarize } from '../src/stats/median.js';
import { NODE_FLAGS, fmt, generatedTrace, machineDescription, peakRssMB, printTable, saveResult } from './common.js';
import { tracePages } from './pages.js';

interface Scenario {
  name: string;
  codec: string;
  trace: () => string;
  args: string[];
}

/** A trace and machine, run with each codec that names it. */
const WRITE_STREAM = {
  trace: () => generatedTrace('scan', 32768, 0, true, 7),
  args: ['--ram', '32M', '--swap', '256M', '--max-pool-percent', '1000', '--pool-in-ram', 'off'],
};
const ZIPF = {
  trace: () => generatedTrace('zipf', 8192, 8000, true, 7),
  args: ['--ram', '16M', '--swap', '64M', '--max-pool-percent', '100', '--pool-in-ram', 'off'],
};

const SCENARIOS: Scenario[] = [
  { name: 'lz4 write stream', codec: 'lz4', ...WRITE_STREAM },
  { name: 'deflate write stream', codec: 'deflate', ...WRITE_STREAM },
  { name: 'deflate zipf', codec: 'deflate', ...ZIPF },
  { name: 'brotli:9 zipf', codec: 'brotli:9', ...ZIPF },
];

interface ChildOut {
  report: Report;
  maxRssMB: number;
}

async function child(args: string[]): Promise<void> {
  const io = bufferIo();
  const code = await cliMain(['run', ...args, '--json'], io);
  if (code !== 0) {
    process.stderr.write(io.stderr);
    process.exit(code);
  }
  const out: ChildOut = { report: JSON.parse(io.stdout) as Report, maxRssMB: peakRssMB() };
  process.stdout.write(JSON.stringify(out));
}

function runChild(args: string[]): ChildOut {
  return JSON.parse(execFileSync(process.execPath, [...NODE_FLAGS, fileURLToPath(import.meta.url), '--child', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })) as ChildOut;
}

/** Pages per second of bare in-process compression of the pages, median of runs. */
function bareRate(codecName: string, pages: Uint8Array[], runs: number): number {
  const codec = createCodec(codecName);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (const p of pages) codec.compress(p);
    rates.push(pages.length / ((performance.now() - t0) / 1000));
  }
  return summarize(rates).median;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv.slice(3));
  const i = process.argv.indexOf('--runs');
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 3;
  const rows: (string | number)[][] = [];
  const memRows: (string | number)[][] = [];
  const results: Record<string, unknown> = {};
  const ratios: Record<string, { best_over_bare: number; threads2_over_threads0: number }> = {};
  for (const sc of SCENARIOS) {
    const trace = sc.trace();
    const pages = (await tracePages(trace)).filter((p) => p.some((b, k) => b !== p[k & 7])); // stored compressed: not same-filled
    const bare = bareRate(sc.codec, pages, runs);
    const perThreads: Record<number, { wall: number; rate: number }> = {};
    for (const threads of [0, 1, 2]) {
      const outs = Array.from({ length: runs }, () => runChild([trace, ...sc.args, '--compressor', sc.codec, '--threads', String(threads)]));
      const wall = summarize(outs.map((o) => o.report.timing.wall_s));
      const rate = summarize(outs.map((o) => o.report.timing.pages_per_s));
      const r = outs[0].report;
      const simulatedMB = (r.config.ram + r.swap.slots_used_peak * 4096 + (r.config.pool_in_ram ? 0 : r.zswap.pool_total_size_peak)) / 1e6;
      const rss = Math.max(...outs.map((o) => o.maxRssMB));
      perThreads[threads] = { wall: wall.median, rate: rate.median };
      rows.push([sc.name, threads, `${fmt(wall.median, 2)} (${fmt(wall.min, 2)}–${fmt(wall.max, 2)})`, Math.round(rate.median).toLocaleString('en-US'), r.swap.swapouts.toLocaleString('en-US'), r.compression.pages.toLocaleString('en-US'), Math.round(bare).toLocaleString('en-US'), fmt(rate.median / bare, 2)]);
      memRows.push([sc.name, threads, fmt(rss, 0), fmt(simulatedMB, 0), fmt(1.2 * simulatedMB + 150, 0), rss <= 1.2 * simulatedMB + 150 ? 'yes' : 'NO']);
      results[`${sc.name}/threads=${threads}`] = { wall, rate, swapouts: r.swap.swapouts, compressed: r.compression.pages, bareRate: bare, peakRssMB: rss, simulatedMB };
    }
    const best = Math.max(...Object.values(perThreads).map((p) => p.rate));
    ratios[sc.name] = { best_over_bare: best / bare, threads2_over_threads0: perThreads[0].wall / perThreads[2].wall };
  }
  process.stdout.write(`pipeline on ${machineDescription()}, median of ${runs} runs\n`);
  printTable(['scenario', 'threads', 'wall s (min–max)', 'swapouts/s', 'swapouts', 'compressed', 'bare codec pages/s', 'run ÷ bare'], rows);
  printTable(['ratio', 'value', 'target'], [
    ['lz4 write stream: best run ÷ bare lz4', fmt(ratios['lz4 write stream'].best_over_bare, 2), '≥ 0.80'],
    ['deflate write stream: --threads 2 speed-up over --threads 0', fmt(ratios['deflate write stream'].threads2_over_threads0, 2), '≥ 1.70'],
    ['deflate zipf: --threads 2 speed-up over --threads 0', fmt(ratios['deflate zipf'].threads2_over_threads0, 2), '(for reference)'],
    ['lz4 write stream: --threads 2 speed-up over --threads 0', fmt(ratios['lz4 write stream'].threads2_over_threads0, 2), '(for reference)'],
    ['brotli:9 zipf: --threads 2 speed-up over --threads 0', fmt(ratios['brotli:9 zipf'].threads2_over_threads0, 2), '(for reference)'],
  ]);
  process.stdout.write('memory: peak RSS against the simulated bytes\n');
  printTable(['scenario', 'threads', 'peak RSS MB', 'simulated MB', 'limit MB (1.2 × sim + 150)', 'within'], memRows);
  process.stdout.write(`results: ${saveResult('pipeline', { runs, ratios, ...results })}\n`);
}

await main();
