/*
 * `deflate[:LEVEL]`: fflate 0.8.3 raw deflate, `deflateSync(page, { level })`
 * and nothing else (SPEC §8); LEVEL 0–9, default 6.
 */
import { createRequire } from 'node:module';
import type * as Fflate from 'fflate';
import { PAGE_SIZE } from '../page.js';
import type { Codec } from './codec.js';

// Loaded with the first codec: a thread that never deflates does not carry it
const require = createRequire(import.meta.url);

type Level = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

export class DeflateCodec implements Codec {
  readonly name: string;
  private readonly fflate = require('fflate') as typeof Fflate;
  constructor(private readonly level: number = 6) {
    this.name = `deflate:${level}`;
  }

  compress(page: Uint8Array): Uint8Array {
    return this.fflate.deflateSync(page, { level: this.level as Level });
  }

  decompress(block: Uint8Array, dst: Uint8Array): void {
    const out = this.fflate.inflateSync(block, { out: dst });
    if (out.length !== PAGE_SIZE) throw new Error(`deflate decompressed ${out.length} bytes, expected ${PAGE_SIZE}`);
  }
}
