/* Shared test helpers: temporary files, in-process CLI runs, tiny machines. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { main } from '../src/cli/main.js';
import { bufferIo } from '../src/cli/io.js';
import { PAGE_SIZE } from '../src/page.js';

export const tmp = mkdtempSync(join(tmpdir(), 'zswap-sim-test-'));
let counter = 0;

/** Writes a trace (text, or gzip with { gzip: true }) to a fresh temp file. */
export function traceFile(text: string | Uint8Array, opts: { gzip?: boolean; name?: string } = {}): string {
  const file = join(tmp, opts.name ?? `t${counter++}.trace${opts.gzip ? '.gz' : ''}`);
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : Buffer.from(text);
  writeFileSync(file, opts.gzip ? gzipSync(bytes) : bytes);
  return file;
}

export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** A page of `fill` bytes, or of a deterministic byte pattern for a seed. */
export function page(seed: number, randomBytes = PAGE_SIZE): Uint8Array {
  const p = new Uint8Array(PAGE_SIZE);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < randomBytes; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    p[i] = x >>> 24;
  }
  return p;
}

export function b64(p: Uint8Array): string {
  return `b:${Buffer.from(p).toString('base64')}`;
}

/**
 * A report without what legitimately differs between two runs of the same
 * trace and configuration: wall time, latencies, and the thread count.
 */
export function withoutTimings(report: unknown): Record<string, unknown> {
  const r = JSON.parse(JSON.stringify(report));
  delete r.timing;
  delete r.config.threads;
  for (const c of [r.compression, ...(r.zram ?? []).map((z: { compression: unknown }) => z.compression)]) {
    delete c.compress_ns_percentiles;
    delete c.decompress_ns_percentiles;
    delete c.compress_ns_total;
    delete c.decompress_ns_total;
  }
  delete r.distributions.compress_ns_cdf;
  delete r.distributions.decompress_ns_cdf;
  return r;
}
