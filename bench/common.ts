/*
 * Shared pieces of the benchmarks: generated inputs cached under
 * bench/.cache, child processes for isolated memory figures, tables, and a
 * JSON result per benchmark in bench/results/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = join(ROOT, 'bench', '.cache');
export const RESULTS = join(ROOT, 'bench', 'results');
export const CLI = join(ROOT, 'bin', 'zswap-sim.js');
/** The V8 flags bin/zswap-sim.js starts Node with: a benchmark child that runs the CLI in-process uses them too. */
export const NODE_FLAGS = ['--max-semi-space-size=4'];
/** The environment bin/zswap-sim.js's first line sets (glibc: two malloc arenas for all threads). */
export const NODE_ENV_VARS = { MALLOC_ARENA_MAX: '2' };

/** A trace made by `trace gen`, generated once and reused. */
export function generatedTrace(workload: string, pages: number, ops: number, gzip: boolean, seed = 1): string {
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `${workload}-${pages}-${ops}-${seed}.trace${gzip ? '.gz' : ''}`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file} …\n`);
    execFileSync(process.execPath, [CLI, 'trace', 'gen', workload, '-o', file, '--pages', String(pages), '--ops', String(ops), '--seed', String(seed)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return file;
}

export function machineDescription(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function printTable(head: string[], rows: (string | number)[][]): void {
  const t = new Table({ head, style: { head: [], border: [], compact: true } });
  for (const r of rows) t.push(r.map(String));
  process.stdout.write(`${t.toString()}\n`);
}

export function saveResult(name: string, data: unknown): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ machine: machineDescription(), date: new Date().toISOString(), ...(data as object) }, null, 2)}\n`);
  return file;
}

export const fmt = (v: number, digits = 1): string => v.toFixed(digits);

/**
 * This process's peak RSS in MB, from /proc/self/status (VmHWM). Not
 * getrusage's ru_maxrss: Linux carries that across execve, so a child started
 * by a large benchmark parent would report the parent's size as its own.
 */
export function peakRssMB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS / 1024;
}
