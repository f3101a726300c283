/*
 * The model against the real kernel (../shared/kernel-reference): Linux 6.1
 * and 6.12 zswap counters after every page of a live CPython heap, paged
 * out one page at a time with madvise(MADV_PAGEOUT). The replay writes the
 * corpus, then pages it out with `o` records, in a machine of the guest's
 * RAM. With the kernel's own per-page compressed lengths (a test codec)
 * the counters must be the kernel's; with our kernel codecs (lzo, lzo-rle,
 * deflate-kernel) too, since they give the kernel's lengths.
 *
 * Skipped, with a message, when ../shared is not beside the checkout.
 */
import { describe, expect, it } from 'vitest';
import { compressPage } from '../src/compress/codec.js';
import { createCodec } from '../src/compress/registry.js';
import { corpusPages, kernelLengths, KernelLengthsCodec, referencePresent, referenceRuns, type ReferenceRun } from './support/kernel-reference.js';
import { COUNTERS, firstDifference, referenceMachine, replayPageouts, type Counters } from './support/replay-reference.js';

const pages = referencePresent ? corpusPages() : [];
const runs = (kernel: '6.1' | '6.12'): ReferenceRun[] => (referencePresent ? referenceRuns(kernel).filter((r) => r.perPage !== null) : []);
const lengthsCodec = (run: ReferenceRun) => new KernelLengthsCodec(pages, kernelLengths(run.kernel, run.compressor), run.compressor);
/** 6.12 has no same_filled_pages: zero pages go to the zeromap, other same-filled pages are compressed. */
const COUNTERS_612 = COUNTERS.filter((c) => c !== 'same_filled_pages');
/** Runs where the kernel's shrink worker wrote pages back: its kworker's timing is not deterministic. */
const isWritebackRun = (r: ReferenceRun) => r.perPage!.at(-1)!.written_back_pages !== '0';

describe.skipIf(!referencePresent)('the kernel codecs give the kernel’s compressed length on every page', () => {
  it.each([
    ['lzo', 'lzo'],
    ['lzo-rle', 'lzo-rle'],
    ['lz4-kernel', 'lz4'],
    ['deflate-kernel', 'deflate'],
  ])('%s (column %s of linux-6.1-compressed-lengths.tsv), and fails where the kernel’s one-page call failed', (name, column) => {
    const want = kernelLengths('6.1', column);
    const codec = createCodec(name);
    const got = pages.map((p) => compressPage(codec, p));
    expect(got.map((c) => c.block.length)).toEqual(want.map(Math.abs));
    expect(got.map((c) => c.fits)).toEqual(want.map((v) => v > 0));
    // and the streams decode back to the pages
    const out = new Uint8Array(4096);
    got.forEach((c, i) => {
      codec.decompress(c.block, out);
      expect(Buffer.compare(out, pages[i]), `page ${i}`).toBe(0);
    });
  });

  it('6.12’s lzo, lzo-rle and lz4 are 6.1’s', () => {
    for (const column of ['lzo', 'lzo-rle', 'lz4']) expect(kernelLengths('6.12', column)).toEqual(kernelLengths('6.1', column));
  });
});

describe.skipIf(!referencePresent)('Linux 6.1 zswap (Debian 12, 6.1.192): exact after every page', () => {
  it.each(runs('6.1').map((r) => [r.tag, r]))('%s, with the kernel’s compressed lengths', (_tag, run) => {
    const model = replayPageouts(referenceMachine(run, lengthsCodec(run)), pages);
    expect(firstDifference(model, run.perPage!)).toBeNull();
    expect(model.length).toBe(1024);
  });

  // our kernel codecs give the kernel's lengths, so the whole pipeline matches too
  it.each(runs('6.1').filter((r) => ['lzo', 'lzo-rle', 'lz4', 'deflate'].includes(r.compressor)).map((r) => [r.tag, r]))('%s, with our own kernel codec', (_tag, run) => {
    const codec = createCodec({ deflate: 'deflate-kernel', lz4: 'lz4-kernel' }[run.compressor] ?? run.compressor);
    expect(firstDifference(replayPageouts(referenceMachine(run, codec), pages), run.perPage!)).toBeNull();
  });
});

describe.skipIf(!referencePresent)('Linux 6.12 zswap (Debian 12 backports, 6.12.107)', () => {
  it.each(runs('6.12').filter((r) => !isWritebackRun(r)).map((r) => [r.tag, r]))('%s: exact after every page (no writeback)', (_tag, run) => {
    expect(firstDifference(replayPageouts(referenceMachine(run, lengthsCodec(run)), pages), run.perPage!, COUNTERS_612)).toBeNull();
  });

  const limitRuns = runs('6.12').filter(isWritebackRun);

  it('has writeback runs to compare with', () => {
    expect(limitRuns.map((r) => r.tag).sort()).toEqual(['python-heap__lz4__zbud__mp1__perpage', 'python-heap__lz4__zsmalloc__mp1__perpage']);
  });

  it.each(limitRuns.map((r) => [r.tag, r]))('%s: the worker leaves the kernel’s state after its first episode (--shrink-worker-pace sync)', (_tag, run) => {
    const model = replayPageouts(referenceMachine(run, lengthsCodec(run), { shrinkWorkerPace: 'sync' }), pages);
    const first = model.find((c) => c.written_back_pages > 0)!;
    const state = (c: { written_back_pages: number | string; stored_pages: number | string; pool_total_size: number | string }) =>
      `${c.written_back_pages} written back, ${c.stored_pages} stored, ${Number(c.pool_total_size) / 4096} pool pages`;
    expect(run.perPage!.map(state)).toContain(state(first));
    // and stores match the kernel exactly until the first limit hit
    const hit = run.perPage!.findIndex((row) => row.pool_limit_hit !== '0');
    expect(firstDifference(model.slice(0, hit), run.perPage!.slice(0, hit), COUNTERS_612)).toBeNull();
  });

  it.each(limitRuns.map((r) => [r.tag, r]))('%s: pace 8 follows the kernel’s kworker closely, page by page', (_tag, run) => {
    const model = replayPageouts(referenceMachine(run, lengthsCodec(run), { shrinkWorkerPace: 8 }), pages);
    const kernel = run.perPage!;
    const mean = (f: (c: Counters, row: Record<string, string>) => number) => model.reduce((s, c, i) => s + f(c, kernel[i]), 0) / model.length;
    const wbError = mean((c, row) => Math.abs(c.written_back_pages - Number(row.written_back_pages)));
    const storedError = mean((c, row) => Math.abs(c.stored_pages - Number(row.stored_pages)));
    const meanStored = mean((_c, row) => Number(row.stored_pages));
    const finalWb = Number(kernel.at(-1)!.written_back_pages);
    // measured: zbud 2.4 and 5.1 pages (0.5 %, 1.3 %), zsmalloc 13.0 and 6.9 pages (1.7 %, 8.6 %)
    expect(wbError / finalWb).toBeLessThan(0.02);
    expect(storedError / meanStored).toBeLessThan(0.1);
  });
});
