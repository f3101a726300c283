/*
 * bench/trace-read: how fast the reader streams a large generated trace
 * (text and gzip), in MB/s of trace text and records/s, median of several
 * runs, and the peak RSS of a process that only reads — which must stay flat
 * whatever the trace's size.
 *
 *   node dist/bench/trace-read.js [--runs N] [--pages N] [--ops N]
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readTrace } from '../src/trace/reader.js';
import { summarize } from '../src/stats/median.js';
import { NODE_FLAGS, fmt, generatedTrace, machineDescription, peakRssMB, printTable, saveResult } from './common.js';

interface ChildResult {
  seconds: number;
  records: number;
  textBytes: number;
  maxRssMB: number;
}

async function child(file: string): Promise<void> {
  const t0 = performance.now();
  let records = 0;
  const s = await readTrace(file, () => {
    records++;
  });
  const seconds = (performance.now() - t0) / 1000;
  const out: ChildResult = { seconds, records, textBytes: s.textBytes, maxRssMB: peakRssMB() };
  process.stdout.write(JSON.stringify(out));
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]);
  const runs = arg('--runs', 5);
  const pages = arg('--pages', 24576);
  const ops = arg('--ops', 60000);
  const rows: (string | number)[][] = [];
  const results: Record<string, unknown> = {};
  for (const gzip of [false, true]) {
    const file = generatedTrace('mixed', pages, ops, gzip);
    const samples: ChildResult[] = [];
    for (let i = 0; i < runs; i++) {
      const out = execFileSync(process.execPath, [...NODE_FLAGS, fileURLToPath(import.meta.url), '--child', file], { encoding: 'utf8' });
      samples.push(JSON.parse(out) as ChildResult);
    }
    const mbps = summarize(samples.map((s) => s.textBytes / 1e6 / s.seconds));
    const rps = summarize(samples.map((s) => s.records / s.seconds));
    const rss = Math.max(...samples.map((s) => s.maxRssMB));
    const label = gzip ? 'gzip' : 'text';
    rows.push([
      label,
      `${fmt(statSync(file).size / 1e6)} MB file, ${fmt(samples[0].textBytes / 1e6)} MB text`,
      `${fmt(mbps.median)} (${fmt(mbps.min)}–${fmt(mbps.max)})`,
      `${Math.round(rps.median).toLocaleString('en-US')}`,
      fmt(rss, 0),
    ]);
    results[label] = { file, fileBytes: statSync(file).size, textBytes: samples[0].textBytes, records: samples[0].records, mbPerS: mbps, recordsPerS: rps, peakRssMB: rss };
  }
  process.stdout.write(`trace-read on ${machineDescription()}, median of ${runs} runs\n`);
  printTable(['input', 'size', 'MB/s of text (min–max)', 'records/s', 'peak RSS MB'], rows);
  process.stdout.write(`results: ${saveResult('trace-read', results)}\n`);
}

await main();
