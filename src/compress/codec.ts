/*
 * The compressor interface. A codec turns one 4096-byte page into a
 * compressed block and back. The block is what zswap stores and what counts
 * as `dlen`: no container, no size prefix. Codecs are deterministic, so a
 * page compressed in a worker and the same page compressed in-process give
 * the same block, which keeps every report identical whatever the thread
 * count.
 *
 * The kernel compresses into an output buffer of one page (zswap) and its
 * call fails when the stream does not fit. For most codecs that is "the
 * block is longer than 4096 bytes"; a codec whose kernel call fails
 * otherwise (the kernel's LZO reserves room ahead of what it writes;
 * deflate needs one spare byte) says so through `fits`.
 *
 * The same interface serves the in-process path and the worker side of the
 * pool (workers/compress.ts), which loads codecs through `createCodec`.
 */
import { PAGE_SIZE } from '../page.js';

export interface Codec {
  /** The name as given on the command line, e.g. `deflate:9`. */
  readonly name: string;
  /** The compressed block, owned by the caller; it may be longer than the page (incompressible data). */
  compress(page: Uint8Array): Uint8Array;
  /** Decompresses a block into dst (exactly one page); throws on corrupt input. */
  decompress(block: Uint8Array, dst: Uint8Array): void;
  /** Would the kernel's call for the last compress() have succeeded with an output buffer of `limit` bytes? */
  fits?(limit: number): boolean;
}

/** One page compressed: the block, whether the kernel's one-page call succeeds, the time it took. */
export interface CompressedPage {
  block: Uint8Array;
  /** The kernel's compression into a one-page buffer succeeds (zswap's `dlen ≤ PAGE_SIZE`). */
  fits: boolean;
  ns: number;
}

/** Compresses a page, timing it. */
export function compressPage(codec: Codec, page: Uint8Array): CompressedPage {
  const t0 = performance.now();
  const block = codec.compress(page);
  const ns = (performance.now() - t0) * 1e6;
  const fits = codec.fits ? codec.fits(PAGE_SIZE) : block.length <= PAGE_SIZE;
  return { block, fits, ns };
}
