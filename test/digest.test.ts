import { describe, expect, it } from 'vitest';
import { digestPage } from '../src/mm/digest.js';
import { PAGE_SIZE } from '../src/page.js';
import { page } from './helpers.js';

const digest = (p: Uint8Array) => {
  const out = new Int32Array(4);
  digestPage(p, out);
  return [...out];
};

describe('page digest', () => {
  it('is deterministic and changes with any single bit', () => {
    const p = page(1);
    const d = digest(p);
    expect(digest(new Uint8Array(p))).toEqual(d);
    for (const bit of [0, 7, 8 * 2047, 8 * PAGE_SIZE - 1]) {
      const q = new Uint8Array(p);
      q[bit >> 3] ^= 1 << (bit & 7);
      expect(digest(q)).not.toEqual(d);
    }
  });

  it('tells apart pages that differ only by word order', () => {
    const a = new Uint8Array(PAGE_SIZE);
    const b = new Uint8Array(PAGE_SIZE);
    a[0] = 1;
    b[4] = 1;
    expect(digest(a)).not.toEqual(digest(b));
  });
});
