/*
 * Page contents, shared by reference.
 *
 * The trace names every page content: a `b:` payload, an `f:` fill word,
 * `z`, or a `d` definition referenced as `@ID`. The model never copies a
 * page: a page in RAM, a page at its swap slot, a device copy and a
 * compressed entry's source all hold a reference to one immutable Content,
 * and `compare` hands the same Content to every configuration. Nothing
 * writes to a Content's bytes once it is made; it is freed by the garbage
 * collector when nothing refers to it any more.
 *
 * What the kernel stores compressed stays real bytes (a zswap or zram
 * entry's block), produced by really compressing a Content's bytes.
 *
 * A Content also carries what the swap path tests by content, computed
 * once: same-filled (all 512 64-bit words equal: zswap's and zram's test)
 * with its word, and zero (the 6.12+ zeromap's test).
 */
import { PAGE_SIZE, isSameFilled, words32 } from '../page.js';

export class Content {
  /** Every 64-bit word equal (zswap_is_page_same_filled, zram's page_same_filled). */
  readonly sameFilled: boolean;
  /** All bytes zero (the zeromap's is_folio_zero_filled). */
  readonly zero: boolean;
  /** The fill word's low and high 32 bits, when same-filled. */
  readonly fillLo: number;
  readonly fillHi: number;

  /** `bytes` must be a 4096-byte, 8-aligned view that nobody writes to afterwards. */
  constructor(readonly bytes: Uint8Array) {
    const w = words32(bytes);
    const same = isSameFilled(bytes);
    this.sameFilled = same;
    this.zero = same && w[0] === 0 && w[1] === 0;
    this.fillLo = same ? w[0] : 0;
    this.fillHi = same ? w[1] : 0;
  }

  /** A Content with a copy of `bytes`. */
  static copyOf(bytes: Uint8Array): Content {
    const own = new Uint8Array(PAGE_SIZE);
    own.set(bytes);
    return new Content(own);
  }

  /** Same bytes? (Two references to one Content are equal without looking.) */
  equals(other: Content): boolean {
    if (this === other) return true;
    if (this.sameFilled !== other.sameFilled) return false;
    if (this.sameFilled) return this.fillLo === other.fillLo && this.fillHi === other.fillHi;
    return bytesEqual(this.bytes, other.bytes);
  }
}

/** memcmp of two pages (native). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The all-zero page (`z`, a zeromap or empty zram slot read). */
export const ZERO_CONTENT = new Content(new Uint8Array(PAGE_SIZE));
