/*
 * A page: 4096 bytes (PAGE_SIZE), and the content tests every layer shares.
 *
 * Pages are Uint8Arrays whose byteOffset is a multiple of 8, so they can be
 * viewed as 32-bit words without copying; every buffer this program makes
 * for page content (slabs, scratch pages, definitions) respects that.
 */

export const PAGE_SIZE = 4096;
export const PAGE_WORDS32 = PAGE_SIZE / 4;

/** The page as 1024 32-bit words (no copy). */
export function words32(page: Uint8Array): Uint32Array {
  return new Uint32Array(page.buffer, page.byteOffset, PAGE_WORDS32);
}

/** Fills a page with one 64-bit word (lo, hi as unsigned 32-bit halves), stored little-endian. */
export function fillWord(dst: Uint8Array, lo: number, hi: number): void {
  const w = words32(dst);
  for (let i = 0; i < PAGE_WORDS32; i += 2) {
    w[i] = lo;
    w[i + 1] = hi;
  }
}

/**
 * zswap's same-filled test: are all 512 64-bit words equal? (the kernel's
 * `zswap_is_page_same_filled`, by content whatever wrote the page).
 */
export function isSameFilled(page: Uint8Array): boolean {
  const w = words32(page);
  const lo = w[0];
  const hi = w[1];
  for (let i = 2; i < PAGE_WORDS32; i += 2) {
    if (w[i] !== lo || w[i + 1] !== hi) return false;
  }
  return true;
}

export type ContentClass = 'zero' | 'same_filled' | 'other';

export function contentClass(page: Uint8Array): ContentClass {
  if (!isSameFilled(page)) return 'other';
  const w = words32(page);
  return w[0] === 0 && w[1] === 0 ? 'zero' : 'same_filled';
}

/** The 64-bit fill word of a same-filled page as 16 hex digits (big-endian text, as in `f:`). */
export function fillWordHex(page: Uint8Array): string {
  const w = words32(page);
  return w[1].toString(16).padStart(8, '0') + w[0].toString(16).padStart(8, '0');
}
