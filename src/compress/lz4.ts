/*
 * `lz4`: lz4_flex 0.9.2 in WebAssembly (the Node build of lz4-wasm). Its
 * compress() prepends a 4-byte little-endian length to a raw LZ4 block; the
 * block alone is what zswap stores (SPEC §8), so the prefix is dropped on
 * compress and rebuilt on decompress. The library throws strings, which are
 * wrapped in Errors here.
 */
import { createRequire } from 'node:module';
import type * as Lz4Wasm from 'lz4-wasm-nodejs';
import { PAGE_SIZE } from '../page.js';
import type { Codec } from './codec.js';

// Loaded with the first codec (the WebAssembly instance costs ~5 MB per thread)
const require = createRequire(import.meta.url);

export class Lz4Codec implements Codec {
  readonly name = 'lz4';
  private framed = new Uint8Array(4 + PAGE_SIZE * 2);
  private readonly lz4 = require('lz4-wasm-nodejs') as typeof Lz4Wasm;

  compress(page: Uint8Array): Uint8Array {
    return this.lz4.compress(page).subarray(4);
  }

  decompress(block: Uint8Array, dst: Uint8Array): void {
    if (this.framed.length < block.length + 4) this.framed = new Uint8Array(block.length + 4);
    const framed = this.framed;
    framed[0] = PAGE_SIZE & 0xff;
    framed[1] = PAGE_SIZE >>> 8;
    framed[2] = 0;
    framed[3] = 0;
    framed.set(block, 4);
    let out: Uint8Array;
    try {
      out = this.lz4.decompress(framed.subarray(0, block.length + 4));
    } catch (e) {
      throw new Error(`lz4 decompression failed: ${String(e)}`);
    }
    if (out.length !== PAGE_SIZE) throw new Error(`lz4 decompressed ${out.length} bytes, expected ${PAGE_SIZE}`);
    dst.set(out);
  }
}
