/*
 * The compressor interface. A codec turns one 4096-byte page into a
 * compressed block and back. The block is what zswap stores and what counts
 * as `dlen`: no container, no size prefix. Codecs are deterministic, so a
 * page compressed in a worker and the same page compressed in-process give
 * the same block, which keeps every report identical whatever the thread
 * count.
 *
 * The same interface serves the in-process path and the worker side of the
 * pool (workers/compress.ts), which loads codecs through `createCodec`.
 */

export interface Codec {
  /** The name as given on the command line, e.g. `deflate:9`. */
  readonly name: string;
  /** The compressed block, owned by the caller; it may be longer than the page (incompressible data). */
  compress(page: Uint8Array): Uint8Array;
  /** Decompresses a block into dst (exactly one page); throws on corrupt input. */
  decompress(block: Uint8Array, dst: Uint8Array): void;
}
