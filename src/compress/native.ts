/*
 * Codecs from native npm packages (built from bundled C sources at install;
 * package.json's allowScripts lets npm 11 run their builds):
 *
 *   zstd[:LEVEL]   zstd-napi (libzstd), a complete zstd frame as the kernel's
 *                  crypto zstd produces it; LEVEL 1–22, default 3 (the
 *                  kernel's ZSTD_CLEVEL_DEFAULT)
 *   lz4hc[:LEVEL]  lz4 (liblz4 1.9), a raw LZ4 block from LZ4_compress_HC;
 *                  LEVEL 1–12, default 9 (the kernel's LZ4HC_DEFAULT_CLEVEL)
 *
 * Each package is loaded when its codec is first made, so a machine where
 * one failed to build can still run the others.
 */
import { createRequire } from 'node:module';
import { PAGE_SIZE } from '../page.js';
import type { Codec } from './codec.js';

const require = createRequire(import.meta.url);

function asBuffer(page: Uint8Array): Buffer {
  return Buffer.from(page.buffer, page.byteOffset, page.byteLength);
}

function checkLength(name: string, n: number): void {
  if (n !== PAGE_SIZE) throw new Error(`${name} decompressed ${n} bytes, expected ${PAGE_SIZE}`);
}

interface ZstdModule {
  Compressor: new () => { setParameters(p: { compressionLevel: number }): void; compress(data: Uint8Array): Buffer };
  Decompressor: new () => { decompress(data: Uint8Array): Buffer };
}

export class ZstdCodec implements Codec {
  readonly name: string;
  private readonly cctx;
  private readonly dctx;
  constructor(level: number) {
    this.name = `zstd:${level}`;
    const zstd = require('zstd-napi') as ZstdModule;
    this.cctx = new zstd.Compressor();
    this.cctx.setParameters({ compressionLevel: level });
    this.dctx = new zstd.Decompressor();
  }
  compress(page: Uint8Array): Uint8Array {
    return this.cctx.compress(page);
  }
  decompress(block: Uint8Array, dst: Uint8Array): void {
    const out = this.dctx.decompress(block);
    checkLength('zstd', out.length);
    dst.set(out);
  }
}

interface Lz4Bindings {
  compressBound(n: number): number;
  compressHCLimited(input: Buffer, output: Buffer, max: number, level: number): number;
  uncompress(input: Buffer, output: Buffer): number;
}

export class Lz4hcCodec implements Codec {
  readonly name: string;
  private readonly lz4: Lz4Bindings;
  private readonly out: Buffer;
  private readonly page = Buffer.alloc(PAGE_SIZE);
  constructor(private readonly level: number) {
    this.name = `lz4hc:${level}`;
    // The package's encodeBlockHC ignores its level argument; the limited
    // variant takes it.
    this.lz4 = (require('lz4') as { utils: { bindings: Lz4Bindings } }).utils.bindings;
    this.out = Buffer.alloc(this.lz4.compressBound(PAGE_SIZE));
  }
  compress(page: Uint8Array): Uint8Array {
    const n = this.lz4.compressHCLimited(asBuffer(page), this.out, this.out.length, this.level);
    if (n <= 0) throw new Error(`LZ4_compress_HC failed (${n})`);
    return new Uint8Array(this.out.subarray(0, n)); // a copy: the caller owns the block
  }
  decompress(block: Uint8Array, dst: Uint8Array): void {
    const n = this.lz4.uncompress(asBuffer(block), this.page);
    checkLength('lz4hc', n);
    dst.set(this.page);
  }
}
