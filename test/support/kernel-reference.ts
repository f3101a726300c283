/*
 * The real-kernel reference data of ../shared/kernel-reference (Linux 6.1
 * and 6.12 zswap counters after every page of a real process's memory, the
 * kernel compressors' own per-page lengths, 6.18 zram mm_stat), and a
 * test-only codec that gives each page the kernel's compressed length, so
 * the model can be compared with the kernel without the codecs' own
 * differences. The project does not ship this data: tests that use it say
 * so and skip when ../shared is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Codec } from '../../src/compress/codec.js';
import { PAGE_SIZE } from '../../src/page.js';

export const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared');
export const REFERENCE = join(SHARED, 'kernel-reference');
export const CORPUS_FILE = join(SHARED, 'corpus', 'python-heap.pages');
export const referencePresent = existsSync(REFERENCE) && existsSync(CORPUS_FILE);
if (!referencePresent) {
  console.warn(`kernel reference data not found at ${REFERENCE}: the tests against the real kernel are skipped (they need the shared/ directory beside this checkout)`);
}

/** The corpus: 1024 real pages of a CPython heap. */
export function corpusPages(): Uint8Array[] {
  const buf = readFileSync(CORPUS_FILE);
  const pages: Uint8Array[] = [];
  for (let off = 0; off + PAGE_SIZE <= buf.length; off += PAGE_SIZE) pages.push(new Uint8Array(buf.subarray(off, off + PAGE_SIZE)));
  return pages;
}

/** A TSV with a header line (comments start with #) as rows of named columns. */
export function readTsv(file: string): Record<string, string>[] {
  const raw = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0 && !l.startsWith('#'));
  const head = lines[0].split('\t');
  return lines.slice(1).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [head[i], v])));
}

/** The kernel's compressed length of every page for one compressor (negative: the one-page call failed). */
export function kernelLengths(kernel: '6.1' | '6.12', compressor: string): number[] {
  return readTsv(join(REFERENCE, `linux-${kernel}-compressed-lengths.tsv`)).map((r) => Number(r[compressor]));
}

/**
 * A codec that returns, for each corpus page, a block of the kernel's
 * length for that page (its index in the first four bytes) and fails where
 * the kernel's call failed; it decompresses back to the corpus page.
 */
export class KernelLengthsCodec implements Codec {
  readonly name: string;
  private readonly index = new Map<string, number>();
  private last = 0;
  constructor(
    private readonly pages: Uint8Array[],
    private readonly lengths: number[],
    compressor: string,
  ) {
    this.name = `kernel-${compressor}`;
    pages.forEach((p, i) => {
      const key = Buffer.from(p).toString('base64');
      if (!this.index.has(key)) this.index.set(key, i);
    });
  }
  compress(page: Uint8Array): Uint8Array {
    const i = this.index.get(Buffer.from(page).toString('base64'));
    if (i === undefined) throw new Error('KernelLengthsCodec: not a corpus page');
    this.last = this.lengths[i];
    const block = new Uint8Array(Math.abs(this.last));
    new DataView(block.buffer).setUint32(0, i, true);
    return block;
  }
  fits(): boolean {
    return this.last > 0;
  }
  decompress(block: Uint8Array, dst: Uint8Array): void {
    dst.set(this.pages[new DataView(block.buffer, block.byteOffset).getUint32(0, true)]);
  }
}

export interface ReferenceRun {
  tag: string;
  kernel: '6.1' | '6.12';
  compressor: string;
  zpool: 'zbud' | 'z3fold' | 'zsmalloc';
  maxPoolPercent: number;
  totalramPages: number;
  /** Counters after each page, or null for runs without a per-page trace. */
  perPage: Record<string, string>[] | null;
  /** The run's final counters (results.json). */
  final: Record<string, unknown>;
}

/** The per-page runs of one kernel's reference. */
export function referenceRuns(kernel: '6.1' | '6.12'): ReferenceRun[] {
  const dir = join(REFERENCE, `linux-${kernel}-zswap`);
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { runs: Record<string, unknown>[] };
  return results.runs
    .filter((r) => r.pageout_mode === 'perpage' && typeof r.trace_file === 'string')
    .map((r) => ({
      tag: String(r.tag),
      kernel,
      compressor: String(r.compressor),
      zpool: r.zpool as ReferenceRun['zpool'],
      maxPoolPercent: Number(r.max_pool_percent),
      totalramPages: Number(r.guest_MemTotal_kB) / 4,
      perPage: existsSync(join(dir, String(r.trace_file))) ? readTsv(join(dir, String(r.trace_file))) : null,
      final: r,
    }));
}
