/*
 * Codecs from node:zlib (Node's bundled zlib, Chromium's fork of zlib 1.3,
 * and brotli):
 *
 *   zlib-deflate[:LEVEL]  raw deflate, 32 KiB window; LEVEL 0–9, default 6 —
 *                         native zlib beside fflate's JavaScript deflate
 *   brotli[:LEVEL]        brotli, quality LEVEL 0–11, default 4, with the
 *                         page size as the size hint
 *
 * (The kernel's own deflate is src/compress/kernel-deflate.ts.)
 */
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { PAGE_SIZE } from '../page.js';
import type { Codec } from './codec.js';

function inflateInto(name: string, block: Uint8Array, dst: Uint8Array): void {
  const out = inflateRawSync(block);
  if (out.length !== PAGE_SIZE) throw new Error(`${name} decompressed ${out.length} bytes, expected ${PAGE_SIZE}`);
  dst.set(out);
}

export class ZlibDeflateCodec implements Codec {
  readonly name: string;
  constructor(private readonly level: number) {
    this.name = `zlib-deflate:${level}`;
  }
  compress(page: Uint8Array): Uint8Array {
    return deflateRawSync(page, { level: this.level });
  }
  decompress(block: Uint8Array, dst: Uint8Array): void {
    inflateInto(this.name, block, dst);
  }
}

export class BrotliCodec implements Codec {
  readonly name: string;
  private readonly params;
  constructor(level: number) {
    this.name = `brotli:${level}`;
    this.params = {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: level,
        [constants.BROTLI_PARAM_SIZE_HINT]: PAGE_SIZE,
      },
    };
  }
  compress(page: Uint8Array): Uint8Array {
    return brotliCompressSync(page, this.params);
  }
  decompress(block: Uint8Array, dst: Uint8Array): void {
    const out = brotliDecompressSync(block);
    if (out.length !== PAGE_SIZE) throw new Error(`brotli decompressed ${out.length} bytes, expected ${PAGE_SIZE}`);
    dst.set(out);
  }
}
