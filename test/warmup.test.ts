import { describe, expect, it } from 'vitest';
import type { Codec } from '../src/compress/codec.js';
import { createCodec } from '../src/compress/registry.js';
import { WARMUP_PAGES, warmUp } from '../src/compress/warmup.js';
import { PAGE_SIZE } from '../src/page.js';

/** A codec that counts its calls and hands the page back as the block. */
function counting(failAt = Infinity): Codec & { compressed: number; decompressed: number; distinct: Set<string> } {
  return {
    name: 'counting',
    compressed: 0,
    decompressed: 0,
    distinct: new Set<string>(),
    compress(page) {
      if (++this.compressed >= failAt) throw new Error('boom');
      this.distinct.add(Buffer.from(page).toString('base64'));
      return page.slice();
    },
    decompress(block, dst) {
      this.decompressed++;
      dst.set(block);
    },
  };
}

describe('codec warm-up', () => {
  it('compresses and decompresses WARMUP_PAGES distinct synthetic pages', () => {
    const codec = counting();
    warmUp(codec, WARMUP_PAGES, 60_000);
    expect(codec.compressed).toBe(WARMUP_PAGES);
    expect(codec.decompressed).toBe(WARMUP_PAGES);
    expect(codec.distinct.size).toBeGreaterThan(WARMUP_PAGES * 0.9);
  });

  it('stops at its time budget', () => {
    const codec = counting();
    warmUp(codec, 1_000_000, 0);
    expect(codec.compressed).toBe(0);
  });

  it('leaves a failing codec for the real work to report', () => {
    const codec = counting(5);
    expect(() => warmUp(codec, 50, 60_000)).not.toThrow();
    expect(codec.compressed).toBe(5);
  });

  it('round-trips real codecs on its pages', () => {
    for (const name of ['lz4', 'deflate']) {
      const real = createCodec(name);
      const seen: Uint8Array[] = [];
      const checking: Codec = {
        name,
        compress: (page) => {
          seen.push(page.slice());
          return real.compress(page);
        },
        decompress: (block, dst) => {
          real.decompress(block, dst);
          expect(dst).toEqual(seen[seen.length - 1]);
        },
      };
      warmUp(checking, 24, 60_000);
      expect(seen.length).toBe(24);
      expect(seen.every((p) => p.length === PAGE_SIZE)).toBe(true);
    }
  });
});
