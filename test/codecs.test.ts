import { createRequire } from 'node:module';
import { inflateRawSync } from 'node:zlib';
import { compressPage } from '../src/compress/codec.js';
import { KernelDeflater } from '../src/compress/kernel-deflate.js';
import { lzoDecompress } from '../src/compress/lzo.js';
import { describe, expect, it } from 'vitest';
import { deflateSync } from 'fflate';
import lz4 from 'lz4-wasm-nodejs';
import { CODECS, createCodec, parseCodecName } from '../src/compress/registry.js';
import { UsageError } from '../src/errors.js';
import { PAGE_SIZE, fillWord } from '../src/page.js';
import { fillPage } from '../src/trace/gen/content.js';
import { Rng } from '../src/trace/gen/random.js';
import { page } from './helpers.js';

function samples(): [string, Uint8Array][] {
  const rng = new Rng(9);
  const same = new Uint8Array(PAGE_SIZE);
  fillWord(same, 0xdeadbeef, 0xfeedface);
  const text = new Uint8Array(PAGE_SIZE);
  fillPage(text, 'text', rng);
  const heap = new Uint8Array(PAGE_SIZE);
  fillPage(heap, 'heap', rng);
  const index = new Uint8Array(PAGE_SIZE);
  fillPage(index, 'index', rng);
  return [
    ['zero', new Uint8Array(PAGE_SIZE)],
    ['same-filled', same],
    ['text', text],
    ['heap-like', heap],
    ['hash index', index],
    ['random', page(77)],
  ];
}

const NAMES = ['lz4', 'lz4-kernel', 'deflate', 'deflate:1', 'deflate:9', 'zstd', 'zstd:1', 'zstd:19', 'lzo', 'lzo-rle', 'lz4hc', 'lz4hc:3', 'zlib-deflate', 'zlib-deflate:9', 'brotli', 'brotli:11', 'deflate-kernel'];

describe('codecs', () => {
  for (const name of NAMES) {
    it(`${name} round-trips zero, same-filled, text, heap-like, index and random pages`, () => {
      const codec = createCodec(name);
      for (const [kind, p] of samples()) {
        const block = codec.compress(p);
        expect(block.length, kind).toBeGreaterThan(0);
        if (kind !== 'random') expect(block.length, kind).toBeLessThan(PAGE_SIZE);
        const out = new Uint8Array(PAGE_SIZE);
        codec.decompress(block, out);
        expect(out, `${name} ${kind}`).toEqual(p);
        expect(codec.compress(p), 'deterministic').toEqual(block);
      }
    });
  }

  it('every registered compressor is covered', () => {
    for (const base of Object.keys(CODECS)) expect(NAMES.some((n) => n.split(':')[0] === base)).toBe(true);
  });

  it('lz4 stores the raw block: the library output minus its 4-byte length prefix', () => {
    const p = samples()[3][1];
    expect(createCodec('lz4').compress(p)).toEqual(lz4.compress(p).subarray(4));
  });

  it('deflate[:LEVEL] is exactly SPEC §8: fflate deflateSync(page, { level }) as the ESM import gives it', () => {
    // the codec loads fflate's CommonJS build lazily; its output must be the same bytes
    for (const [what, p] of samples()) {
      for (const level of [1, 6, 9] as const) {
        expect(createCodec(`deflate:${level}`).compress(p), `${what}, level ${level}`).toEqual(deflateSync(p, { level }));
      }
    }
  });

  it('fflate deflate and deflate-kernel are raw deflate: node:zlib inflateRaw decodes them', () => {
    for (const name of ['deflate', 'deflate:9', 'deflate-kernel', 'zlib-deflate']) {
      for (const [, p] of samples()) {
        const block = createCodec(name).compress(p);
        expect(new Uint8Array(inflateRawSync(block))).toEqual(p);
      }
    }
  });

  it('lz4hc output is an LZ4 block the lz4-wasm decoder reads', () => {
    for (const [, p] of samples()) {
      const block = createCodec('lz4hc').compress(p);
      const framed = new Uint8Array(block.length + 4);
      new DataView(framed.buffer).setUint32(0, PAGE_SIZE, true);
      framed.set(block, 4);
      expect(lz4.decompress(framed)).toEqual(p);
    }
  });

  it('decompressing a corrupt block throws', () => {
    for (const name of ['lz4', 'deflate', 'zstd', 'lzo', 'lzo-rle', 'lz4hc', 'zlib-deflate', 'brotli', 'deflate-kernel']) {
      const block = createCodec(name).compress(samples()[2][1]);
      expect(() => createCodec(name).decompress(block.subarray(0, block.length >> 1), new Uint8Array(PAGE_SIZE)), name).toThrow();
    }
  });

  it('names carry their level; bad names and levels are usage errors', () => {
    expect(parseCodecName('deflate').canonical).toBe('deflate:6');
    expect(parseCodecName('zstd').canonical).toBe('zstd:3');
    expect(parseCodecName('lz4hc').canonical).toBe('lz4hc:9');
    expect(parseCodecName('lz4').canonical).toBe('lz4');
    expect(() => parseCodecName('deflate:10')).toThrow(UsageError);
    expect(() => parseCodecName('zstd:0')).toThrow(UsageError);
    expect(() => parseCodecName('lz4:1')).toThrow(/takes no level/);
    expect(() => parseCodecName('nope')).toThrow(/unknown compressor/);
    // errors name the option they came from
    expect(() => parseCodecName('nope', '--compressor')).toThrow(/^--compressor: unknown compressor 'nope'/);
    expect(() => parseCodecName('zstd:99', '--compressors')).toThrow(/^--compressors: zstd:LEVEL must be 1–22, got 99/);
  });
});

describe('the kernel codecs: lzo, lzo-rle, deflate-kernel', () => {
  it('lzo streams decode with minilzo, an independent LZO1X decoder', () => {
    const minilzo = createRequire(import.meta.url)('lzo') as { decompress(b: Buffer, n: number): Buffer };
    for (const [kind, p] of samples()) {
      const block = createCodec('lzo').compress(p);
      expect(new Uint8Array(minilzo.decompress(Buffer.from(block), PAGE_SIZE)), kind).toEqual(p);
    }
  });

  it('lzo-rle starts with its version header and encodes zero runs in four bytes', () => {
    const p = new Uint8Array(PAGE_SIZE);
    p.set([1, 2, 3, 4, 5, 6, 7, 8], 0);
    p.set([9, 10, 11, 12], 3000);
    const rle = createCodec('lzo-rle').compress(p);
    expect([rle[0], rle[1]]).toEqual([17, 1]);
    expect(rle.length).toBeLessThan(createCodec('lzo').compress(p).length);
    const out = new Uint8Array(PAGE_SIZE);
    expect(lzoDecompress(rle, out)).toBe(PAGE_SIZE);
    expect(out).toEqual(p);
  });

  it('the lzo decoder refuses truncated streams and stray bytes', () => {
    const block = createCodec('lzo').compress(samples()[2][1]);
    const out = new Uint8Array(PAGE_SIZE);
    expect(() => lzoDecompress(block.subarray(0, block.length - 1), out)).toThrow(/truncated/);
    const extra = new Uint8Array(block.length + 1);
    extra.set(block);
    expect(() => lzoDecompress(extra, out)).toThrow(/after the end/);
  });

  it('lz4-kernel blocks decode with lz4_flex, and differ from lz4_flex’s own on real-looking pages', () => {
    let differ = 0;
    for (const [kind, p] of samples()) {
      const block = createCodec('lz4-kernel').compress(p);
      const framed = new Uint8Array(block.length + 4);
      new DataView(framed.buffer).setUint32(0, PAGE_SIZE, true);
      framed.set(block, 4);
      expect(lz4.decompress(framed), kind).toEqual(p);
      if (!Buffer.from(block).equals(Buffer.from(createCodec('lz4').compress(p)))) differ++;
    }
    expect(differ).toBeGreaterThan(0);
  });

  it('report the kernel call into one page failing: lzo by its reserved room, deflate at 4096 bytes and over', () => {
    const random = page(77);
    const lzo = compressPage(createCodec('lzo'), random);
    expect(lzo.block.length).toBeGreaterThan(PAGE_SIZE);
    expect(lzo.fits).toBe(false);
    const deflate = compressPage(createCodec('deflate-kernel'), random);
    expect(deflate.block.length).toBeGreaterThanOrEqual(PAGE_SIZE);
    expect(deflate.fits).toBe(false);
    expect(compressPage(createCodec('lz4-kernel'), random).fits).toBe(false);
    for (const [kind, p] of samples().slice(0, 5)) {
      expect(compressPage(createCodec('lz4-kernel'), p).fits, kind).toBe(true);
      expect(compressPage(createCodec('lzo'), p).fits, kind).toBe(true);
      expect(compressPage(createCodec('deflate-kernel'), p).fits, kind).toBe(true);
    }
  });

  it('deflate-kernel differs from zlib 1.2.8 (pako) at the same settings: the kernel deflates as zlib 1.1.3 did', () => {
    // pako is zlib 1.2.8's deflate ported line by line: the same window, hash and levels,
    // and still other bytes on most real-looking pages (see test/kernel-reference.test.ts for the kernel's own)
    const pako = createRequire(import.meta.url)('pako') as typeof import('pako');
    const rng = new Rng(21);
    let same = 0;
    for (let i = 0; i < 40; i++) {
      const p = new Uint8Array(PAGE_SIZE);
      fillPage(p, (['text', 'heap', 'index', 'numeric'] as const)[i % 4], rng);
      const ours = createCodec('deflate-kernel').compress(p);
      expect(new Uint8Array(inflateRawSync(ours))).toEqual(p);
      if (Buffer.from(ours).equals(Buffer.from(pako.deflateRaw(p, { level: 6, windowBits: 11, memLevel: 8 })))) same++;
    }
    expect(same).toBeLessThan(40);
  });

  it('KernelDeflater at other lazy levels still produces valid raw deflate', () => {
    const [, text] = samples()[2];
    for (const level of [4, 5, 7, 8, 9]) {
      expect(new Uint8Array(inflateRawSync(new KernelDeflater(level).deflate(text))), `level ${level}`).toEqual(text);
    }
  });
});
