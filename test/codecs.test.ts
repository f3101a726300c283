import { createRequire } from 'node:module';
import { inflateRawSync } from 'node:zlib';
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

const NAMES = ['lz4', 'deflate', 'deflate:1', 'deflate:9', 'zstd', 'zstd:1', 'zstd:19', 'lzo', 'lz4hc', 'lz4hc:3', 'zlib-deflate', 'zlib-deflate:9', 'brotli', 'brotli:11', 'deflate-kernel'];

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
    for (const name of ['lz4', 'deflate', 'zstd', 'lzo', 'lz4hc', 'zlib-deflate', 'brotli']) {
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
  });
});

describe('deflate-kernel', () => {
  it('equals zlib 1.2.8 (pako) at the kernel crypto API settings, byte for byte', async () => {
    // pako is zlib 1.2.8's deflate ported line by line (loaded as CommonJS, as published)
    const pako = createRequire(import.meta.url)('pako') as typeof import('pako');
    const rng = new Rng(21);
    const codec = createCodec('deflate-kernel');
    for (let i = 0; i < 60; i++) {
      const p = new Uint8Array(PAGE_SIZE);
      fillPage(p, (['text', 'heap', 'index', 'numeric', 'random'] as const)[i % 5], rng);
      const ref = pako.deflateRaw(p, { level: 6, windowBits: 11, memLevel: 8 });
      expect(new Uint8Array(codec.compress(p)), `page ${i}`).toEqual(new Uint8Array(ref));
    }
  });
});
