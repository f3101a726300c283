/*
 * Page digests for verification (SPEC §9): MurmurHash3 x86_128 over the
 * page's 32-bit words, written to a 4-word output without allocating.
 *
 * 128 bits make an accidental match between two different contents of one
 * page (the case verification must catch: stale data) practically
 * impossible — about 2^-128 per check. It is not a cryptographic hash: a
 * trace crafted to collide could hide a corruption, which is not a threat
 * this simulator defends against, and in exchange the digest costs well
 * under a microsecond per page.
 */
import { PAGE_SIZE, words32 } from '../page.js';

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Writes the 128-bit digest of a page to out[0..3]. */
export function digestPage(page: Uint8Array, out: Int32Array): void {
  const w = words32(page);
  let h1 = 0x5a5a5a5a;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  for (let i = 0; i < w.length; i += 4) {
    let k1 = w[i];
    let k2 = w[i + 1];
    let k3 = w[i + 2];
    let k4 = w[i + 3];
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  h1 ^= PAGE_SIZE;
  h2 ^= PAGE_SIZE;
  h3 ^= PAGE_SIZE;
  h4 ^= PAGE_SIZE;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  out[0] = h1;
  out[1] = (h2 + h1) | 0;
  out[2] = (h3 + h1) | 0;
  out[3] = (h4 + h1) | 0;
}
