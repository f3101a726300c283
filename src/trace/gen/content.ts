/*
 * Synthetic page content that compresses like real process memory.
 *
 * Modelled on pages of a live CPython heap (the kind of data zswap sees):
 * pointer-rich object graphs whose words share their high bytes, hash-table
 * index arrays full of −1, text (JSON, key: value records), numeric arrays,
 * plus zero pages, same-filled pages and incompressible bytes (compressed or
 * encrypted data). The default mix gives per-page ratios of roughly 2–3 for
 * lz4 and 3–4.5 for deflate, as real anonymous memory does.
 */
import { PAGE_SIZE, fillWord } from '../../page.js';
import type { Rng } from './random.js';

export const CONTENT_KINDS = ['zero', 'same', 'text', 'heap', 'index', 'numeric', 'random'] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

/** Default weights of each kind, in CONTENT_KINDS order. */
export const DEFAULT_MIX: readonly number[] = [12, 3, 20, 38, 10, 12, 5];

const WORDS = (
  'Package Version Architecture Maintainer Depends Description Section Priority Filename Size SHA256 ' +
  'amd64 all main optional required libc6 python3 perl debian lib utils data the of and for with ' +
  'name value type id status count items error true false null index user path config version'
).split(' ');

function putU32(page: Uint8Array, off: number, v: number): void {
  page[off] = v & 0xff;
  page[off + 1] = (v >>> 8) & 0xff;
  page[off + 2] = (v >>> 16) & 0xff;
  page[off + 3] = (v >>> 24) & 0xff;
}

function putWord(page: Uint8Array, off: number, lo: number, hi: number): void {
  putU32(page, off, lo);
  putU32(page, off + 4, hi);
}

/**
 * An object heap: objects of a few types per page (refcount, type pointer,
 * fields), whose pointers mostly point near each other — objects allocated
 * together are used together — with small integers, zeros and the odd hash.
 */
function fillHeap(page: Uint8Array, rng: Rng): void {
  const arena = (0x78000000 + rng.int(1 << 12) * 0x10000) >>> 0;
  const types = Array.from({ length: 2 + rng.int(3) }, () => ({
    ptr: 0x55d0a000 + rng.int(64) * 0x1a0,
    words: 3 + rng.int(6),
    // per field: 0 pointer, 1 small int, 2 zero, 3 hash
    fields: Array.from({ length: 8 }, () => rng.weighted([45, 25, 22, 8])),
  }));
  let off = 0;
  while (off < PAGE_SIZE) {
    const t = rng.pick(types);
    putWord(page, off, rng.chance(0.7) ? 1 : 1 + rng.int(8), 0);
    off += 8;
    if (off >= PAGE_SIZE) break;
    putWord(page, off, t.ptr, 0x55d0);
    off += 8;
    for (let i = 2; i < t.words && off < PAGE_SIZE; i++, off += 8) {
      switch (t.fields[i]) {
        case 0:
          putWord(page, off, (arena + rng.int(1 << 10) * 16) >>> 0, 0x7f1b);
          break;
        case 1:
          putWord(page, off, rng.int(16), 0);
          break;
        case 2:
          putWord(page, off, 0, 0);
          break;
        default:
          putWord(page, off, rng.u32(), rng.u32() & 0xffff);
      }
    }
  }
}

/** A hash-table index: int32 slots, −1 when empty, small ascending entries. */
function fillIndex(page: Uint8Array, rng: Rng): void {
  const density = 0.2 + rng.float() * 0.4;
  let next = rng.int(5000);
  for (let off = 0; off < PAGE_SIZE; off += 4) {
    putU32(page, off, rng.chance(density) ? (next += 1) : 0xffffffff);
  }
}

function fillNumeric(page: Uint8Array, rng: Rng): void {
  const view = new DataView(page.buffer, page.byteOffset, PAGE_SIZE);
  if (rng.chance(0.5)) {
    // counters and small integers
    let v = rng.int(100000);
    for (let off = 0; off < PAGE_SIZE; off += 8) {
      v += rng.chance(0.7) ? 1 : rng.int(8);
      view.setUint32(off, v, true);
      view.setUint32(off + 4, 0, true);
    }
  } else {
    // doubles from a small set of values (prices, flags, measurements)
    const values = Array.from({ length: 4 + rng.int(12) }, () => rng.int(10000) / 4);
    for (let off = 0; off < PAGE_SIZE; off += 8) view.setFloat64(off, rng.pick(values), true);
  }
}

/** Text: key/value records and JSON, as in a parsed package index. */
function fillText(page: Uint8Array, rng: Rng): void {
  let off = 0;
  const json = rng.chance(0.5);
  const words = Array.from({ length: 12 }, () => rng.pick(WORDS));
  while (off < PAGE_SIZE) {
    let piece: string;
    if (json) {
      piece = `{"${rng.pick(words)}": "${rng.pick(words)}-${rng.int(100)}", "${rng.pick(WORDS)}": ${rng.int(1000)}}, `;
    } else {
      piece = `${rng.pick(WORDS)}: ${rng.pick(words)} ${rng.pick(words)} (>= ${rng.int(10)}.${rng.int(10)})\n`;
    }
    for (let i = 0; i < piece.length && off < PAGE_SIZE; i++) page[off++] = piece.charCodeAt(i);
  }
}

function fillRandom(page: Uint8Array, rng: Rng): void {
  for (let off = 0; off < PAGE_SIZE; off += 4) putU32(page, off, rng.u32());
}

/** Fills `page` with content of the given kind. */
export function fillPage(page: Uint8Array, kind: ContentKind, rng: Rng): void {
  switch (kind) {
    case 'zero':
      page.fill(0);
      return;
    case 'same': {
      const patterns = [
        [0xffffffff, 0xffffffff],
        [0x01010101, 0x01010101],
        [rng.u32(), rng.u32()],
      ];
      const [lo, hi] = rng.pick(patterns);
      fillWord(page, lo, hi);
      return;
    }
    case 'text':
      return fillText(page, rng);
    case 'heap':
      return fillHeap(page, rng);
    case 'index':
      return fillIndex(page, rng);
    case 'numeric':
      return fillNumeric(page, rng);
    case 'random':
      return fillRandom(page, rng);
  }
}

/**
 * The kind of a page's next content when the program rewrites it: mostly the
 * same kind, but zero and same-filled pages usually get real data (memory
 * put to use).
 */
export function rewriteKind(kind: ContentKind, rng: Rng): ContentKind {
  if ((kind === 'zero' || kind === 'same') && rng.chance(0.7)) return rng.pick(['heap', 'text', 'numeric'] as const);
  return kind;
}
