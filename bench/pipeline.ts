/*
 * bench/pipeline: `zswap-sim run` end to end at --threads 0, 1 and 2 — wall
 * time, swapped-out pages per second, CPU per swapped-out page (median of
 * runs) — against the bare codec doing exactly the run's compressions and
 * decompressions in a loop; peak RSS against the bytes simulated; and
 * `compare` of six configurations against the single run, in memory.
 *
 * Scenarios:
 *   lz4 reuse       issue #11's trace (bench/reuse-trace.ts: 12 000 pages of
 *                   heap-like memory, 400 000 Zipf accesses, 20 % rewrites)
 *                   under the 3.11 profile in 16 MiB of RAM: faults,
 *                   writebacks and reuse, with the codec a quarter of the work
 *   deflate reuse   the same with deflate: deflate-bound, with faults and
 *                   writebacks
 *   deflate zram    the bundled CPython heap swapped to a zram device
 *                   (deflate, zswap off): zram's compressions in the workers
 *   brotli:9 zipf   a codec that costs ~2 ms a page: how far the pipeline
 *                   itself scales
 * Targets (README, Performance): lz4 best run ÷ bare ≥ 0.8; deflate
 * --threads 2 ÷ --threads 0 ≥ 1.6; peak RSS ≤ 1.2 × simulated + 150 MB;
 * compare of six configurations ≤ 1.6 × the single run's peak RSS.
 *
 *   node dist/bench/pipeline.js [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bufferIo } from '../src/cli/io.js';
import { main as cliMain } from '../src/cli/main.js';
import { CODEC_MODULE_ENV } from '../src/cli/run.js';
import type { Report } from '../src/report/report.js';
import { createCodec } from '../src/compress/registry.js';
import { summarize } from '../src/stats/median.js';
import { NODE_ENV_VARS, NODE_FLAGS, ROOT, fmt, generatedTrace, machineDescription, peakRssMB, printTable, saveResult } from './common.js';
import { recording } from './recording-codec.js';
import { reuseTrace } from './reuse-trace.js';

interface Scenario {
  name: string;
  codec: string;
  trace: () => Promise<string>;
  args: string[];
}

const REUSE = {
  trace: () => reuseTrace(),
  args: ['--kernel', '3.11', '--ram', '16M', '--swap', '256M'],
};

const SCENARIOS: Scenario[] = [
  { name: 'lz4 reuse', codec: 'lz4', ...REUSE },
  { name: 'deflate reuse', codec: 'deflate', ...REUSE },
  {
    // zswap off: zram compresses every swap-out, ahead in the workers as zswap does
    name: 'deflate zram',
    codec: 'deflate',
    trace: async () => join(ROOT, 'traces', 'python-heap.trace.gz'),
    args: ['--kernel', '6.18', '--ram', '48M', '--swap', 'zram:256M', '--zram-algorithm', 'deflate'],
  },
  {
    name: 'brotli:9 zipf',
    codec: 'brotli:9',
    trace: async () => generatedTrace('zipf', 8192, 8000, true, 7),
    args: ['--ram', '16M', '--swap', '64M', '--max-pool-percent', '100', '--pool-in-ram', 'off'],
  },
];

/** Six configurations of compare, and the single run it is measured against (one of them). */
const COMPARE_SIX = ['--kernel', '6.12', '--compressors', 'lz4,lzo-rle,zstd', '--zpools', 'zbud,zsmalloc', '--ram', '16M', '--swap', '256M'];
const SINGLE = ['--kernel', '6.12', '--compressor', 'lz4', '--zpool', 'zbud', '--ram', '16M', '--swap', '256M'];

interface ChildOut {
  reports: Report[];
  maxRssMB: number;
  cpuS: number;
  /** Bare-codec figures, in the `--bare` child. */
  bare?: { seconds: number; compressions: number; decompressions: number };
}

/** Runs the CLI in this process (as bin/zswap-sim.js would), then prints what the parent needs. */
async function child(args: string[]): Promise<void> {
  const bare = args[0] === '--bare';
  const argv = bare ? args.slice(2) : args;
  const io = bufferIo();
  if (bare) io.env[CODEC_MODULE_ENV] = fileURLToPath(new URL('./recording-codec.js', import.meta.url));
  const code = await cliMain([...argv, '--json'], io);
  if (code !== 0) {
    process.stderr.write(io.stderr);
    process.exit(code);
  }
  const parsed = JSON.parse(io.stdout) as Report | Report[];
  const cpu = process.cpuUsage();
  const out: ChildOut = { reports: Array.isArray(parsed) ? parsed : [parsed], maxRssMB: peakRssMB(), cpuS: (cpu.user + cpu.system) / 1e6 };
  if (bare) out.bare = bareLoop(args[1], 3);
  process.stdout.write(JSON.stringify(out));
}

/** The recorded compressions and decompressions again, in a bare loop: the median of `runs`. */
function bareLoop(codecName: string, runs: number): ChildOut['bare'] {
  const codec = createCodec(codecName);
  const pages = recording.compressed.slice();
  const blocks = recording.decompressed.slice();
  const dst = new Uint8Array(4096);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (const p of pages) codec.compress(p);
    for (const b of blocks) codec.decompress(b, dst);
    times.push((performance.now() - t0) / 1000);
  }
  return { seconds: summarize(times).median, compressions: pages.length, decompressions: blocks.length };
}

function runChild(args: string[]): ChildOut {
  return JSON.parse(execFileSync(process.execPath, [...NODE_FLAGS, fileURLToPath(import.meta.url), '--child', ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      env: { ...process.env, ...NODE_ENV_VARS },
    })) as ChildOut;
}

/** What a run simulates, in MB: RAM, the device slots it used, and the pool when it is outside RAM. */
function simulatedMB(r: Report): number {
  return (r.config.ram + r.swap.slots_used_peak * 4096 + (r.config.pool_in_ram ? 0 : (r.zswap?.pool_total_size_peak ?? 0))) / 1e6;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv.slice(3));
  const i = process.argv.indexOf('--runs');
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 3;
  const rows: (string | number)[][] = [];
  const memRows: (string | number)[][] = [];
  const results: Record<string, unknown> = {};
  const ratios: Record<string, { best_over_bare: number; threads2_over_threads0: number }> = {};
  for (const sc of SCENARIOS) {
    const trace = await sc.trace();
    const runArgs = ['run', trace, ...sc.args, '--compressor', sc.codec];
    const bare = runChild(['--bare', sc.codec, ...runArgs, '--threads', '0']).bare!;
    const perThreads: Record<number, number> = {};
    for (const threads of [0, 1, 2]) {
      const outs = Array.from({ length: runs }, () => runChild([...runArgs, '--threads', String(threads)]));
      const wall = summarize(outs.map((o) => o.reports[0].timing.wall_s));
      const cpu = summarize(outs.map((o) => o.cpuS));
      const r = outs[0].reports[0];
      const rss = Math.max(...outs.map((o) => o.maxRssMB));
      const sim = simulatedMB(r);
      perThreads[threads] = wall.median;
      rows.push([
        sc.name,
        threads,
        `${fmt(wall.median, 2)} (${fmt(wall.min, 2)}–${fmt(wall.max, 2)})`,
        fmt(cpu.median, 2),
        count(r.swap.swapouts / wall.median),
        fmt((cpu.median / r.swap.swapouts) * 1e6, 1),
        count(r.swap.swapouts),
        fmt(bare.seconds, 2),
        fmt(bare.seconds / wall.median, 2),
      ]);
      memRows.push([sc.name, threads, fmt(rss, 0), fmt(sim, 0), fmt(1.2 * sim + 150, 0), rss <= 1.2 * sim + 150 ? 'yes' : 'NO']);
      results[`${sc.name}/threads=${threads}`] = { wall, cpu, swapouts: r.swap.swapouts, compressed: r.compression.pages, bare, peakRssMB: rss, simulatedMB: sim };
    }
    ratios[sc.name] = { best_over_bare: bare.seconds / Math.min(...Object.values(perThreads)), threads2_over_threads0: perThreads[0] / perThreads[2] };
    results[`${sc.name}/bare`] = bare;
  }

  // compare of six configurations against one of them alone, on the reuse trace
  const trace = await reuseTrace();
  const single = Array.from({ length: runs }, () => runChild(['run', trace, ...SINGLE, '--threads', '0']));
  const six = Array.from({ length: runs }, () => runChild(['compare', trace, ...COMPARE_SIX, '--threads', '0']));
  const singleRss = Math.max(...single.map((o) => o.maxRssMB));
  const sixRss = Math.max(...six.map((o) => o.maxRssMB));
  results['compare six/peakRssMB'] = sixRss;
  results['single/peakRssMB'] = singleRss;

  process.stdout.write(`pipeline on ${machineDescription()}, median of ${runs} runs\n`);
  printTable(['scenario', 'threads', 'wall s (min–max)', 'CPU s', 'swap-outs/s', 'CPU µs per swap-out', 'swap-outs', 'bare codec s', 'bare ÷ run'], rows);
  const reuseBare = results['lz4 reuse/bare'] as ChildOut['bare'];
  process.stdout.write(
    `bare: the codec alone doing the run's ${count(reuseBare!.compressions)} compressions and ${count(reuseBare!.decompressions)} decompressions (lz4 reuse), in a loop\n`,
  );
  printTable(['ratio', 'value', 'target'], [
    ['lz4 reuse: bare lz4 ÷ best run', fmt(ratios['lz4 reuse'].best_over_bare, 2), '≥ 0.80'],
    ['deflate reuse: --threads 2 speed-up over --threads 0', fmt(ratios['deflate reuse'].threads2_over_threads0, 2), '≥ 1.60'],
    ['compare of six ÷ single run, peak RSS', `${fmt(sixRss / singleRss, 2)} (${fmt(sixRss, 0)} ÷ ${fmt(singleRss, 0)} MB)`, '≤ 1.60'],
    ['lz4 reuse: --threads 2 speed-up over --threads 0', fmt(ratios['lz4 reuse'].threads2_over_threads0, 2), '(for reference)'],
    ['deflate zram: --threads 2 speed-up over --threads 0', fmt(ratios['deflate zram'].threads2_over_threads0, 2), '(for reference)'],
    ['brotli:9 zipf: --threads 2 speed-up over --threads 0', fmt(ratios['brotli:9 zipf'].threads2_over_threads0, 2), '(for reference)'],
  ]);
  process.stdout.write('memory: peak RSS against the simulated bytes\n');
  printTable(['scenario', 'threads', 'peak RSS MB', 'simulated MB', 'limit MB (1.2 × sim + 150)', 'within'], memRows);
  process.stdout.write(`results: ${saveResult('pipeline', { runs, ratios, ...results })}\n`);
}

await main();
