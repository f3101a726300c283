/*
 * bench/pipeline: `zswap-sim run` end to end on an lz4 and a deflate
 * configuration at --threads 0, 1 and 2 — wall time and swapped-out pages
 * per second (median of runs) — against bare in-process compression of the
 * same pages with the same codec, measured in the same benchmark run; and
 * the peak RSS of each run against the bytes it simulates.
 *
 * The configuration is the 3.11 profile (synchronous pool reclaim), where
 * every store compresses its page, on a generated `mixed` trace larger than
 * RAM. Targets (README, Performance): overhead ratio ≥ 0.8 for lz4, scaling
 * (deflate, 2 threads against 0) ≥ 1.7, peak RSS ≤ 1.2 × simulated + 150 MB.
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
import { fmt, generatedTrace, machineDescription, printTable, saveResult } from './common.js';
import { tracePages } from './pages.js';

const CONFIG = ['--ram', '16M', '--swap', '64M', '--kernel', '3.11'];

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
  const out: ChildOut = { report: JSON.parse(io.stdout) as Report, maxRssMB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(out));
}

function runChild(args: string[]): ChildOut {
  return JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })) as ChildOut;
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
  const trace = generatedTrace('mixed', 8192, 24000, true, 7);
  const pages = (await tracePages(trace)).filter((p) => p.some((b, k) => b !== p[k & 7])); // as stored: not same-filled
  const rows: (string | number)[][] = [];
  const results: Record<string, unknown> = { trace, config: CONFIG };
  const ratios: Record<string, number> = {};
  const memRows: (string | number)[][] = [];
  for (const codec of ['lz4', 'deflate']) {
    const bare = bareRate(codec, pages, runs);
    const perThreads: Record<number, { wall: number; rate: number }> = {};
    for (const threads of [0, 1, 2]) {
      const outs = Array.from({ length: runs }, () => runChild([trace, ...CONFIG, '--compressor', codec, '--threads', String(threads)]));
      const wall = summarize(outs.map((o) => o.report.timing.wall_s));
      const rate = summarize(outs.map((o) => o.report.timing.pages_per_s));
      const r = outs[0].report;
      const simulatedMB = (r.config.ram + r.swap.slots_used_peak * 4096 + (r.config.pool_in_ram ? 0 : r.zswap.pool_total_size_peak)) / 1e6;
      const rss = Math.max(...outs.map((o) => o.maxRssMB));
      perThreads[threads] = { wall: wall.median, rate: rate.median };
      rows.push([codec, threads, `${fmt(wall.median, 2)} (${fmt(wall.min, 2)}–${fmt(wall.max, 2)})`, Math.round(rate.median).toLocaleString('en-US'), r.swap.swapouts.toLocaleString('en-US'), Math.round(bare).toLocaleString('en-US'), fmt(rate.median / bare, 2)]);
      memRows.push([codec, threads, fmt(rss, 0), fmt(simulatedMB, 0), fmt(1.2 * simulatedMB + 150, 0), rss <= 1.2 * simulatedMB + 150 ? 'yes' : 'NO']);
      results[`${codec}/threads=${threads}`] = { wall, rate, swapouts: r.swap.swapouts, compressed: r.compression.pages, bareRate: bare, peakRssMB: rss, simulatedMB };
    }
    const best = Math.max(...Object.values(perThreads).map((p) => p.rate));
    ratios[`${codec}: best run rate ÷ bare compression rate`] = best / bare;
    ratios[`${codec}: threads 2 ÷ threads 0 (speed-up)`] = perThreads[0].wall / perThreads[2].wall;
  }
  process.stdout.write(`pipeline on ${machineDescription()}, ${trace.split('/').pop()}, ${CONFIG.join(' ')}, median of ${runs} runs\n`);
  printTable(['codec', 'threads', 'wall s (min–max)', 'swapouts/s', 'swapouts', 'bare codec pages/s', 'run ÷ bare'], rows);
  printTable(['ratio', 'value', 'target'], [
    ['lz4: best run rate ÷ bare lz4 rate', fmt(ratios['lz4: best run rate ÷ bare compression rate'], 2), '≥ 0.80'],
    ['deflate: --threads 2 ÷ --threads 0', fmt(ratios['deflate: threads 2 ÷ threads 0 (speed-up)'], 2), '≥ 1.70'],
  ]);
  process.stdout.write('memory: peak RSS against the simulated bytes (RAM + device slots used + pool outside RAM)\n');
  printTable(['codec', 'threads', 'peak RSS MB', 'simulated MB', 'limit MB (1.2 × sim + 150)', 'within'], memRows);
  process.stdout.write(`results: ${saveResult('pipeline', { runs, ratios, ...results })}\n`);
}

await main();
