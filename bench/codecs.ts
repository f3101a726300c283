/*
 * bench/codecs: every compressor on 4 KiB pages — of the shared real-memory
 * corpus (when ../shared is beside the checkout) and of a generated trace —
 * compress and decompress MB/s (median of runs, min–max) and ratio, one page
 * at a time as zswap calls them.
 *
 *   node dist/bench/codecs.js [--runs N] [--only name,name]
 */
import { createCodec, CODECS } from '../src/compress/registry.js';
import { PAGE_SIZE } from '../src/page.js';
import { summarize, type Summary } from '../src/stats/median.js';
import { fmt, generatedTrace, machineDescription, printTable, saveResult } from './common.js';
import { corpusPages, tracePages } from './pages.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export interface CodecFigures {
  compressMBps: Summary;
  decompressMBps: Summary;
  ratio: number;
  pages: number;
}

export function measureCodec(name: string, pages: Uint8Array[], runs: number): CodecFigures {
  const codec = createCodec(name);
  const blocks = pages.map((p) => codec.compress(p));
  const dst = new Uint8Array(PAGE_SIZE);
  const bytes = pages.length * PAGE_SIZE;
  const comp: number[] = [];
  const decomp: number[] = [];
  for (let r = 0; r < runs; r++) {
    let t0 = performance.now();
    for (const p of pages) codec.compress(p);
    comp.push(bytes / 1e6 / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    for (const b of blocks) codec.decompress(b, dst);
    decomp.push(bytes / 1e6 / ((performance.now() - t0) / 1000));
  }
  const out = blocks.reduce((s, b) => s + b.length, 0);
  return { compressMBps: summarize(comp), decompressMBps: summarize(decomp), ratio: bytes / out, pages: pages.length };
}

const range = (s: Summary): string => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;

async function main(): Promise<void> {
  const runs = Number(arg('--runs') ?? 5);
  const names = arg('--only')?.split(',') ?? [
    'lz4',
    'lzo',
    'lz4hc',
    'zstd:1',
    'zstd',
    'deflate',
    'zlib-deflate',
    'deflate-kernel',
    'brotli',
  ];
  const sets: [string, Uint8Array[]][] = [];
  const corpus = corpusPages();
  if (corpus) sets.push(['real memory (shared corpus)', corpus]);
  else process.stderr.write('../shared/corpus not found: benchmarking generated pages only\n');
  const nonTrivial = (await tracePages(generatedTrace('mixed', 3072, 6000, true), 3000)).filter((p) => p.some((b, i) => b !== p[i & 7]));
  sets.push(['generated (mixed)', nonTrivial.slice(0, 1024)]);
  const results: Record<string, Record<string, CodecFigures>> = {};
  process.stdout.write(`codecs on ${machineDescription()}: per 4 KiB page, median of ${runs} runs (min–max)\n`);
  for (const [label, pages] of sets) {
    const rows: (string | number)[][] = [];
    results[label] = {};
    for (const name of names) {
      const f = measureCodec(name, pages, runs);
      results[label][name] = f;
      rows.push([createCodec(name).name, range(f.compressMBps), range(f.decompressMBps), fmt(f.ratio, 2)]);
    }
    process.stdout.write(`\n${label}: ${pages.length} pages\n`);
    printTable(['compressor', 'compress MB/s', 'decompress MB/s', 'ratio'], rows);
  }
  process.stdout.write(`results: ${saveResult('codecs', { runs, results, libraries: Object.fromEntries(Object.entries(CODECS).map(([k, v]) => [k, v.describe])) })}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
