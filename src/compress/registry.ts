/*
 * Compressor names → codecs. A name is `NAME` or `NAME:LEVEL`; the canonical
 * form (what reports print) always carries the level of codecs that have
 * one, e.g. `deflate` → `deflate:6`.
 */
import { UsageError } from '../errors.js';
import type { Codec } from './codec.js';
import { DeflateCodec } from './deflate.js';
import { Lz4Codec } from './lz4.js';
import { KernelDeflateCodec } from './kernel-deflate.js';
import { KernelLz4Codec } from './lz4-kernel.js';
import { KernelLzoCodec } from './lzo.js';
import { Lz4hcCodec, ZstdCodec } from './native.js';
import { BrotliCodec, ZlibDeflateCodec } from './zlib.js';

interface CodecSpec {
  /** Level range and default, for codecs that take one. */
  levels?: { min: number; max: number; default: number };
  make(level: number): Codec;
  describe: string;
}

export const CODECS: Record<string, CodecSpec> = {
  lz4: { make: () => new Lz4Codec(), describe: 'lz4-wasm-nodejs 0.9.2 (lz4_flex, WebAssembly), raw LZ4 block' },
  'lz4-kernel': { make: () => new KernelLz4Codec(), describe: "the kernel's LZ4_compress_default (lib/lz4), our own implementation" },
  deflate: {
    levels: { min: 0, max: 9, default: 6 },
    make: (level) => new DeflateCodec(level),
    describe: 'fflate 0.8.3 raw deflate (pure JavaScript)',
  },
  zstd: {
    levels: { min: 1, max: 22, default: 3 },
    make: (level) => new ZstdCodec(level),
    describe: 'zstd-napi 0.0.13 (libzstd, native), a zstd frame',
  },
  lzo: { make: () => new KernelLzoCodec(false), describe: "the kernel's LZO1X-1 (lib/lzo, x86_64), our own implementation" },
  'lzo-rle': { make: () => new KernelLzoCodec(true), describe: "the kernel's lzo-rle (lib/lzo, bitstream version 1), our own implementation" },
  lz4hc: {
    levels: { min: 1, max: 12, default: 9 },
    make: (level) => new Lz4hcCodec(level),
    describe: 'lz4 0.6.5 (liblz4 1.9, native), LZ4_compress_HC raw block',
  },
  'zlib-deflate': {
    levels: { min: 0, max: 9, default: 6 },
    make: (level) => new ZlibDeflateCodec(level),
    describe: 'node:zlib raw deflate (native zlib), 32 KiB window',
  },
  brotli: {
    levels: { min: 0, max: 11, default: 4 },
    make: (level) => new BrotliCodec(level),
    describe: 'node:zlib brotli (native)',
  },
  'deflate-kernel': {
    make: () => new KernelDeflateCodec(),
    describe: "the kernel's deflate (crypto/deflate.c over lib/zlib_deflate: level 6, windowBits 11, memLevel 8), our own implementation",
  },
};

export interface ParsedCodecName {
  base: string;
  level: number;
  canonical: string;
}

/** Parses NAME or NAME:LEVEL; `option` names the command-line option in errors. */
export function parseCodecName(name: string, option = 'compressor'): ParsedCodecName {
  const m = /^([a-z0-9-]+)(?::(-?\d+))?$/.exec(name.trim());
  const spec = m ? CODECS[m[1]] : undefined;
  if (!m || !spec) {
    throw new UsageError(`${option}: unknown compressor '${name}' (known: ${Object.keys(CODECS).join(', ')})`);
  }
  const base = m[1];
  if (m[2] !== undefined && !spec.levels) throw new UsageError(`${option}: compressor '${base}' takes no level`);
  if (!spec.levels) return { base, level: 0, canonical: base };
  const level = m[2] === undefined ? spec.levels.default : Number(m[2]);
  if (level < spec.levels.min || level > spec.levels.max) {
    throw new UsageError(`${option}: ${base}:LEVEL must be ${spec.levels.min}–${spec.levels.max}, got ${m[2]}`);
  }
  return { base, level, canonical: `${base}:${level}` };
}

export function createCodec(name: string): Codec {
  const { base, level } = parseCodecName(name);
  return CODECS[base].make(level);
}

/**
 * A codec by name, from the registry or — for tests and plug-ins — from a
 * module exporting `createCodec(name)`.
 */
export async function loadCodec(name: string, codecModule?: string): Promise<Codec> {
  if (!codecModule) return createCodec(name);
  const mod = (await import(codecModule)) as { createCodec(name: string): Codec };
  return mod.createCodec(name);
}
