/*
 * `deflate-kernel`: the Linux kernel's deflate as the crypto API calls it
 * (crypto/deflate.c over lib/zlib_deflate, Linux 2.6–6.x): raw deflate,
 * level 6 (lazy matching: good 8, lazy 16, nice 128, chain 128), a 2 KiB
 * window (windowBits 11), a 2^15-entry hash (memLevel 8, the kernel's
 * MAX_MEM_LEVEL), one call with Z_FINISH. Written here from the deflate
 * format (RFC 1951) and the algorithm of zlib 1.1.3, which the kernel's
 * copy follows; no npm zlib reproduces it (node:zlib and pako are zlib
 * 1.2.x+ and give other bytes on most real pages).
 *
 * What decides the bytes, and so had to be exactly the kernel's:
 *   - the window is 2 × 2 KiB: a page fills it, and when the scan passes
 *     2048 + MAX_DIST the upper half slides down. The block then no longer
 *     has its input in the window, so it cannot become a stored block —
 *     whatever its size (zlib's `buf == NULL`);
 *   - lazy evaluation as deflate_slow does it, with the hash chain head
 *     kept from one position to the next (1.1.3 does not reset it where
 *     fewer than three bytes remain), matches of 3 discarded beyond
 *     TOO_FAR, insertion limited to the lookahead;
 *   - Huffman trees built as trees.c builds them: the heap ordered by
 *     frequency then depth, bit-length overflow repair, the bit-length tree
 *     sent in bl_order, and the choice stored / fixed / dynamic by
 *     estimated length (fixed on ties);
 *   - the block-split heuristic of 1.1.3's _tr_tally (every 4096 symbols)
 *     is kept, though a page never reaches it.
 *
 * The kernel's call gets an output buffer of one page: it succeeds only if
 * the whole stream is shorter than the buffer (deflate reports Z_OK, not
 * Z_STREAM_END, when the last flush fills it exactly). `fits` says so.
 *
 * Decompression is node:zlib's inflateRaw, an independent decoder.
 */
import { inflateRawSync } from 'node:zlib';
import { PAGE_SIZE } from '../page.js';
import type { Codec } from './codec.js';

const MIN_MATCH = 3;
const MAX_MATCH = 258;
const MIN_LOOKAHEAD = MAX_MATCH + MIN_MATCH + 1;
const TOO_FAR = 4096;
const LENGTH_CODES = 29;
const LITERALS = 256;
const L_CODES = LITERALS + 1 + LENGTH_CODES;
const D_CODES = 30;
const BL_CODES = 19;
const HEAP_SIZE = 2 * L_CODES + 1;
const MAX_BITS = 15;
const MAX_BL_BITS = 7;
const END_BLOCK = 256;
const REP_3_6 = 16;
const REPZ_3_10 = 17;
const REPZ_11_138 = 18;

const EXTRA_LBITS = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const EXTRA_DBITS = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const EXTRA_BLBITS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
const BL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Level parameters (deflate.c's configuration_table); levels 4–9 use lazy matching. */
interface LevelConfig {
  good: number;
  lazy: number;
  nice: number;
  chain: number;
}
const LAZY_LEVELS: Record<number, LevelConfig> = {
  4: { good: 4, lazy: 4, nice: 16, chain: 16 },
  5: { good: 8, lazy: 16, nice: 32, chain: 32 },
  6: { good: 8, lazy: 16, nice: 128, chain: 128 },
  7: { good: 8, lazy: 32, nice: 128, chain: 256 },
  8: { good: 32, lazy: 128, nice: 258, chain: 1024 },
  9: { good: 32, lazy: 258, nice: 258, chain: 4096 },
};

// ---- static tables (trees.c tr_static_init) --------------------------------

const LENGTH_CODE = new Uint8Array(MAX_MATCH - MIN_MATCH + 1);
const BASE_LENGTH = new Int32Array(LENGTH_CODES);
const DIST_CODE = new Uint8Array(512);
const BASE_DIST = new Int32Array(D_CODES);
const STATIC_LTREE_LEN = new Uint16Array(L_CODES + 2);
const STATIC_LTREE_CODE = new Uint16Array(L_CODES + 2);
const STATIC_DTREE_LEN = new Uint16Array(D_CODES).fill(5);
const STATIC_DTREE_CODE = new Uint16Array(D_CODES);

function reverseBits(code: number, len: number): number {
  let res = 0;
  for (let i = 0; i < len; i++) {
    res = (res << 1) | (code & 1);
    code >>= 1;
  }
  return res;
}

/** Canonical codes from bit lengths (gen_codes), written bit-reversed for LSB-first output. */
function genCodes(len: Uint16Array, code: Uint16Array, maxCode: number, blCount: Uint16Array): void {
  const nextCode = new Uint16Array(MAX_BITS + 1);
  let c = 0;
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    c = (c + blCount[bits - 1]) << 1;
    nextCode[bits] = c;
  }
  for (let n = 0; n <= maxCode; n++) {
    const l = len[n];
    if (l === 0) continue;
    code[n] = reverseBits(nextCode[l]++, l);
  }
}

{
  let length = 0;
  let code = 0;
  for (code = 0; code < LENGTH_CODES - 1; code++) {
    BASE_LENGTH[code] = length;
    for (let n = 0; n < 1 << EXTRA_LBITS[code]; n++) LENGTH_CODE[length++] = code;
  }
  // length 258 has two codes (284 + 5 bits, or 285): use 285
  LENGTH_CODE[length - 1] = code;
  let dist = 0;
  for (code = 0; code < 16; code++) {
    BASE_DIST[code] = dist;
    for (let n = 0; n < 1 << EXTRA_DBITS[code]; n++) DIST_CODE[dist++] = code;
  }
  dist >>= 7;
  for (; code < D_CODES; code++) {
    BASE_DIST[code] = dist << 7;
    for (let n = 0; n < 1 << (EXTRA_DBITS[code] - 7); n++) DIST_CODE[256 + dist++] = code;
  }
  const blCount = new Uint16Array(MAX_BITS + 1);
  let n = 0;
  while (n <= 143) (STATIC_LTREE_LEN[n++] = 8), blCount[8]++;
  while (n <= 255) (STATIC_LTREE_LEN[n++] = 9), blCount[9]++;
  while (n <= 279) (STATIC_LTREE_LEN[n++] = 7), blCount[7]++;
  while (n <= 287) (STATIC_LTREE_LEN[n++] = 8), blCount[8]++;
  genCodes(STATIC_LTREE_LEN, STATIC_LTREE_CODE, L_CODES + 1, blCount);
  for (let d = 0; d < D_CODES; d++) STATIC_DTREE_CODE[d] = reverseBits(d, 5);
}

function dCode(dist: number): number {
  return dist < 256 ? DIST_CODE[dist] : DIST_CODE[256 + (dist >> 7)];
}

/** A dynamic tree: frequencies, father links, bit lengths and codes (zlib's ct_data unions, unfolded). */
class Tree {
  readonly freq: Uint16Array;
  readonly dad: Uint16Array;
  readonly len: Uint16Array;
  readonly code: Uint16Array;
  maxCode = 0;
  constructor(
    size: number,
    readonly staticLen: Uint16Array | null,
    readonly extraBits: readonly number[],
    readonly extraBase: number,
    readonly elems: number,
    readonly maxLength: number,
  ) {
    this.freq = new Uint16Array(size);
    this.dad = new Uint16Array(size);
    this.len = new Uint16Array(size);
    this.code = new Uint16Array(size);
  }
}

/** LSB-first bit writer into a growable byte buffer. */
class BitWriter {
  out = new Uint8Array(PAGE_SIZE * 2);
  pos = 0;
  private bitBuf = 0;
  private bitCount = 0;

  reset(): void {
    this.pos = 0;
    this.bitBuf = 0;
    this.bitCount = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.out.length) return;
    const grown = new Uint8Array(Math.max(this.out.length * 2, this.pos + n));
    grown.set(this.out.subarray(0, this.pos));
    this.out = grown;
  }

  bits(value: number, length: number): void {
    this.bitBuf |= value << this.bitCount;
    this.bitCount += length;
    while (this.bitCount >= 8) {
      this.ensure(1);
      this.out[this.pos++] = this.bitBuf & 0xff;
      this.bitBuf >>>= 8;
      this.bitCount -= 8;
    }
  }

  /** bi_windup: pad to a byte boundary. */
  windup(): void {
    if (this.bitCount > 0) {
      this.ensure(1);
      this.out[this.pos++] = this.bitBuf & 0xff;
    }
    this.bitBuf = 0;
    this.bitCount = 0;
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.out.set(src, this.pos);
    this.pos += src.length;
  }
}

/** One-shot deflate of a buffer as zlib 1.1.3 / the kernel does it with Z_FINISH. */
export class KernelDeflater {
  private readonly wSize: number;
  private readonly wMask: number;
  private readonly windowSize: number;
  private readonly maxDist: number;
  private readonly hashSize: number;
  private readonly hashMask: number;
  private readonly hashShift: number;
  private readonly litBufsize: number;
  private readonly cfg: LevelConfig;

  private readonly window: Uint8Array;
  private readonly prev: Uint16Array;
  private readonly head: Uint16Array;
  private readonly dBuf: Uint16Array;
  private readonly lBuf: Uint8Array;

  private readonly ltree = new Tree(HEAP_SIZE, STATIC_LTREE_LEN, EXTRA_LBITS, LITERALS + 1, L_CODES, MAX_BITS);
  private readonly dtree = new Tree(2 * D_CODES + 1, STATIC_DTREE_LEN, EXTRA_DBITS, 0, D_CODES, MAX_BITS);
  private readonly bltree = new Tree(2 * BL_CODES + 1, null, EXTRA_BLBITS, 0, BL_CODES, MAX_BL_BITS);
  private readonly heap = new Int32Array(HEAP_SIZE);
  private readonly depth = new Uint8Array(HEAP_SIZE);
  private readonly blCount = new Uint16Array(MAX_BITS + 1);
  private heapLen = 0;
  private heapMax = 0;
  private optLen = 0;
  private staticLen = 0;
  private lastLit = 0;
  private matches = 0;

  // the stream
  private input: Uint8Array = new Uint8Array(0);
  private nextIn = 0;
  private availIn = 0;
  // the matcher
  private insH = 0;
  private strstart = 0;
  private blockStart = 0;
  private lookahead = 0;
  private matchLength = 0;
  private matchStart = 0;
  private prevLength = 0;
  private prevMatch = 0;
  private matchAvailable = false;
  private readonly writer = new BitWriter();

  constructor(level = 6, windowBits = 11, memLevel = 8) {
    const cfg = LAZY_LEVELS[level];
    if (cfg === undefined) throw new Error(`kernel deflate: level ${level} is not a lazy-matching level (4–9)`);
    this.cfg = cfg;
    this.wSize = 1 << windowBits;
    this.wMask = this.wSize - 1;
    this.windowSize = 2 * this.wSize;
    this.maxDist = this.wSize - MIN_LOOKAHEAD;
    const hashBits = memLevel + 7;
    this.hashSize = 1 << hashBits;
    this.hashMask = this.hashSize - 1;
    this.hashShift = Math.floor((hashBits + MIN_MATCH - 1) / MIN_MATCH);
    this.litBufsize = 1 << (memLevel + 6);
    this.window = new Uint8Array(this.windowSize);
    this.prev = new Uint16Array(this.wSize);
    this.head = new Uint16Array(this.hashSize);
    this.dBuf = new Uint16Array(this.litBufsize);
    this.lBuf = new Uint8Array(this.litBufsize);
  }

  /** Compresses `input` in one call; returns a view of the stream (valid until the next call). */
  deflate(input: Uint8Array): Uint8Array {
    this.input = input;
    this.nextIn = 0;
    this.availIn = input.length;
    this.writer.reset();
    this.head.fill(0);
    this.insH = 0;
    this.strstart = 0;
    this.blockStart = 0;
    this.lookahead = 0;
    this.matchLength = this.prevLength = MIN_MATCH - 1;
    this.matchAvailable = false;
    this.initBlock();
    this.deflateSlow();
    return this.writer.out.subarray(0, this.writer.pos);
  }

  // ---- deflate.c ------------------------------------------------------------

  private updateHash(h: number, c: number): number {
    return ((h << this.hashShift) ^ c) & this.hashMask;
  }

  /** INSERT_STRING: returns the previous head of the chain. */
  private insertString(str: number): number {
    this.insH = this.updateHash(this.insH, this.window[str + MIN_MATCH - 1]);
    const matchHead = this.head[this.insH];
    this.prev[str & this.wMask] = matchHead;
    this.head[this.insH] = str;
    return matchHead;
  }

  private fillWindow(): void {
    const wsize = this.wSize;
    do {
      let more = this.windowSize - this.lookahead - this.strstart;
      if (more === 0 && this.strstart === 0 && this.lookahead === 0) {
        more = wsize;
      } else if (this.strstart >= wsize + this.maxDist) {
        // slide the upper half of the window down
        this.window.copyWithin(0, wsize, wsize + wsize);
        this.matchStart -= wsize;
        this.strstart -= wsize;
        this.blockStart -= wsize;
        for (let n = 0; n < this.hashSize; n++) {
          const m = this.head[n];
          this.head[n] = m >= wsize ? m - wsize : 0;
        }
        for (let n = 0; n < wsize; n++) {
          const m = this.prev[n];
          this.prev[n] = m >= wsize ? m - wsize : 0;
        }
        more += wsize;
      }
      if (this.availIn === 0) return;
      const n = Math.min(this.availIn, more);
      this.window.set(this.input.subarray(this.nextIn, this.nextIn + n), this.strstart + this.lookahead);
      this.nextIn += n;
      this.availIn -= n;
      this.lookahead += n;
      if (this.lookahead >= MIN_MATCH) {
        this.insH = this.window[this.strstart];
        this.insH = this.updateHash(this.insH, this.window[this.strstart + 1]);
      }
    } while (this.lookahead < MIN_LOOKAHEAD && this.availIn !== 0);
  }

  private longestMatch(curMatch: number): number {
    let chainLength = this.cfg.chain;
    const win = this.window;
    const scan = this.strstart;
    let bestLen = this.prevLength;
    let niceMatch = this.cfg.nice;
    const limit = this.strstart > this.maxDist ? this.strstart - this.maxDist : 0;
    const strend = this.strstart + MAX_MATCH;
    let scanEnd1 = win[scan + bestLen - 1];
    let scanEnd = win[scan + bestLen];
    if (this.prevLength >= this.cfg.good) chainLength >>= 2;
    if (niceMatch > this.lookahead) niceMatch = this.lookahead;
    do {
      let match = curMatch;
      if (win[match + bestLen] !== scanEnd || win[match + bestLen - 1] !== scanEnd1 || win[match] !== win[scan] || win[++match] !== win[scan + 1]) {
        continue;
      }
      // scan[2] and match[2] are equal by the hash; compare from 3 on
      let s = scan + 2;
      match++;
      do {
        /* compare */
      } while (
        win[++s] === win[++match] &&
        win[++s] === win[++match] &&
        win[++s] === win[++match] &&
        win[++s] === win[++match] &&
        win[++s] === win[++match] &&
        win[++s] === win[++match] &&
        win[++s] === win[++match] &&
        win[++s] === win[++match] &&
        s < strend
      );
      const len = MAX_MATCH - (strend - s);
      if (len > bestLen) {
        this.matchStart = curMatch;
        bestLen = len;
        if (len >= niceMatch) break;
        scanEnd1 = win[scan + bestLen - 1];
        scanEnd = win[scan + bestLen];
      }
    } while ((curMatch = this.prev[curMatch & this.wMask]) > limit && --chainLength !== 0);
    return bestLen <= this.lookahead ? bestLen : this.lookahead;
  }

  private deflateSlow(): void {
    let hashHead = 0; // kept across iterations, as in zlib 1.1.3
    for (;;) {
      if (this.lookahead < MIN_LOOKAHEAD) {
        this.fillWindow();
        if (this.lookahead === 0) break;
      }
      if (this.lookahead >= MIN_MATCH) hashHead = this.insertString(this.strstart);

      this.prevLength = this.matchLength;
      this.prevMatch = this.matchStart;
      this.matchLength = MIN_MATCH - 1;

      if (hashHead !== 0 && this.prevLength < this.cfg.lazy && this.strstart - hashHead <= this.maxDist) {
        this.matchLength = this.longestMatch(hashHead);
        if (this.matchLength <= 5 && this.matchLength === MIN_MATCH && this.strstart - this.matchStart > TOO_FAR) {
          this.matchLength = MIN_MATCH - 1;
        }
      }
      if (this.prevLength >= MIN_MATCH && this.matchLength <= this.prevLength) {
        const maxInsert = this.strstart + this.lookahead - MIN_MATCH;
        const bflush = this.tally(this.strstart - 1 - this.prevMatch, this.prevLength - MIN_MATCH);
        this.lookahead -= this.prevLength - 1;
        this.prevLength -= 2;
        do {
          if (++this.strstart <= maxInsert) hashHead = this.insertString(this.strstart);
        } while (--this.prevLength !== 0);
        this.matchAvailable = false;
        this.matchLength = MIN_MATCH - 1;
        this.strstart++;
        if (bflush) this.flushBlock(false);
      } else if (this.matchAvailable) {
        if (this.tally(0, this.window[this.strstart - 1])) this.flushBlock(false);
        this.strstart++;
        this.lookahead--;
      } else {
        this.matchAvailable = true;
        this.strstart++;
        this.lookahead--;
      }
    }
    if (this.matchAvailable) {
      this.tally(0, this.window[this.strstart - 1]);
      this.matchAvailable = false;
    }
    this.flushBlock(true);
  }

  // ---- trees.c --------------------------------------------------------------

  private initBlock(): void {
    this.ltree.freq.fill(0, 0, L_CODES);
    this.dtree.freq.fill(0, 0, D_CODES);
    this.bltree.freq.fill(0, 0, BL_CODES);
    this.ltree.freq[END_BLOCK] = 1;
    this.optLen = this.staticLen = 0;
    this.lastLit = this.matches = 0;
  }

  /** _tr_tally: records a literal (dist 0) or a match; true when the block should end here. */
  private tally(dist: number, lc: number): boolean {
    this.dBuf[this.lastLit] = dist;
    this.lBuf[this.lastLit++] = lc;
    if (dist === 0) {
      this.ltree.freq[lc]++;
    } else {
      this.matches++;
      dist--;
      this.ltree.freq[LENGTH_CODE[lc] + LITERALS + 1]++;
      this.dtree.freq[dCode(dist)]++;
    }
    if ((this.lastLit & 0xfff) === 0) {
      // 1.1.3's guess whether ending the block here pays (level > 2)
      let outLength = this.lastLit * 8;
      const inLength = this.strstart - this.blockStart;
      for (let d = 0; d < D_CODES; d++) outLength += this.dtree.freq[d] * (5 + EXTRA_DBITS[d]);
      outLength = Math.floor(outLength / 8);
      if (this.matches < Math.floor(this.lastLit / 2) && outLength < Math.floor(inLength / 2)) return true;
    }
    return this.lastLit === this.litBufsize - 1;
  }

  private smaller(tree: Tree, n: number, m: number): boolean {
    const f = tree.freq;
    return f[n] < f[m] || (f[n] === f[m] && this.depth[n] <= this.depth[m]);
  }

  private pqdownheap(tree: Tree, k: number): void {
    const heap = this.heap;
    const v = heap[k];
    let j = k << 1;
    while (j <= this.heapLen) {
      if (j < this.heapLen && this.smaller(tree, heap[j + 1], heap[j])) j++;
      if (this.smaller(tree, v, heap[j])) break;
      heap[k] = heap[j];
      k = j;
      j <<= 1;
    }
    heap[k] = v;
  }

  private genBitlen(tree: Tree): void {
    const { maxCode, staticLen: stree, extraBits: extra, extraBase: base, maxLength } = tree;
    const heap = this.heap;
    const blCount = this.blCount;
    blCount.fill(0);
    tree.len[heap[this.heapMax]] = 0; // the root
    let overflow = 0;
    let h: number;
    for (h = this.heapMax + 1; h < HEAP_SIZE; h++) {
      const n = heap[h];
      let bits = tree.len[tree.dad[n]] + 1;
      if (bits > maxLength) {
        bits = maxLength;
        overflow++;
      }
      tree.len[n] = bits;
      if (n > maxCode) continue; // not a leaf
      blCount[bits]++;
      const xbits = n >= base ? extra[n - base] : 0;
      const f = tree.freq[n];
      this.optLen += f * (bits + xbits);
      if (stree !== null) this.staticLen += f * (stree[n] + xbits);
    }
    if (overflow === 0) return;
    do {
      let bits = maxLength - 1;
      while (blCount[bits] === 0) bits--;
      blCount[bits]--;
      blCount[bits + 1] += 2;
      blCount[maxLength]--;
      overflow -= 2;
    } while (overflow > 0);
    for (let bits = maxLength; bits !== 0; bits--) {
      let n = blCount[bits];
      while (n !== 0) {
        const m = heap[--h];
        if (m > maxCode) continue;
        if (tree.len[m] !== bits) {
          this.optLen += (bits - tree.len[m]) * tree.freq[m];
          tree.len[m] = bits;
        }
        n--;
      }
    }
  }

  private buildTree(tree: Tree): void {
    const heap = this.heap;
    const elems = tree.elems;
    let maxCode = -1;
    this.heapLen = 0;
    this.heapMax = HEAP_SIZE;
    for (let n = 0; n < elems; n++) {
      if (tree.freq[n] !== 0) {
        heap[++this.heapLen] = maxCode = n;
        this.depth[n] = 0;
      } else {
        tree.len[n] = 0;
      }
    }
    // at least two codes of non-zero frequency
    while (this.heapLen < 2) {
      const node = (heap[++this.heapLen] = maxCode < 2 ? ++maxCode : 0);
      tree.freq[node] = 1;
      this.depth[node] = 0;
      this.optLen--;
      if (tree.staticLen !== null) this.staticLen -= tree.staticLen[node];
    }
    tree.maxCode = maxCode;
    for (let n = this.heapLen >> 1; n >= 1; n--) this.pqdownheap(tree, n);
    let node = elems;
    do {
      const n = heap[1];
      heap[1] = heap[this.heapLen--];
      this.pqdownheap(tree, 1);
      const m = heap[1];
      heap[--this.heapMax] = n;
      heap[--this.heapMax] = m;
      tree.freq[node] = tree.freq[n] + tree.freq[m];
      this.depth[node] = Math.max(this.depth[n], this.depth[m]) + 1;
      tree.dad[n] = tree.dad[m] = node;
      heap[1] = node++;
      this.pqdownheap(tree, 1);
    } while (this.heapLen >= 2);
    heap[--this.heapMax] = heap[1];
    this.genBitlen(tree);
    genCodes(tree.len, tree.code, maxCode, this.blCount);
  }

  /**
   * The bit-length code symbols that describe a tree's code lengths, in
   * order: a length alone, or a run as REP_3_6 / REPZ_3_10 / REPZ_11_138
   * with its extra bits. zlib walks the lengths twice with the same rules,
   * in scan_tree (counting) and send_tree (writing); here one walk serves
   * both.
   */
  private forEachLengthSymbol(tree: Tree, maxCode: number, emit: (symbol: number, extraBits: number, extra: number) => void): void {
    const len = tree.len;
    let prevlen = -1;
    let nextlen = len[0];
    let count = 0;
    let maxCount = 7;
    let minCount = 4;
    if (nextlen === 0) (maxCount = 138), (minCount = 3);
    len[maxCode + 1] = 0xffff; // guard
    for (let n = 0; n <= maxCode; n++) {
      const curlen = nextlen;
      nextlen = len[n + 1];
      if (++count < maxCount && curlen === nextlen) continue;
      else if (count < minCount) {
        do emit(curlen, 0, 0);
        while (--count !== 0);
      } else if (curlen !== 0) {
        if (curlen !== prevlen) {
          emit(curlen, 0, 0);
          count--;
        }
        emit(REP_3_6, 2, count - 3);
      } else if (count <= 10) emit(REPZ_3_10, 3, count - 3);
      else emit(REPZ_11_138, 7, count - 11);
      count = 0;
      prevlen = curlen;
      if (nextlen === 0) (maxCount = 138), (minCount = 3);
      else if (curlen === nextlen) (maxCount = 6), (minCount = 3);
      else (maxCount = 7), (minCount = 4);
    }
  }

  /** scan_tree: bit-length code frequencies of a tree's lengths. */
  private scanTree(tree: Tree, maxCode: number): void {
    const freq = this.bltree.freq;
    this.forEachLengthSymbol(tree, maxCode, (symbol) => freq[symbol]++);
  }

  private sendCode(c: number, tree: { code: Uint16Array; len: Uint16Array }): void {
    this.writer.bits(tree.code[c], tree.len[c]);
  }

  /** send_tree: a tree's code lengths, in the bit-length code. */
  private sendTree(tree: Tree, maxCode: number): void {
    this.forEachLengthSymbol(tree, maxCode, (symbol, extraBits, extra) => {
      this.sendCode(symbol, this.bltree);
      if (extraBits !== 0) this.writer.bits(extra, extraBits);
    });
  }

  private buildBlTree(): number {
    this.scanTree(this.ltree, this.ltree.maxCode);
    this.scanTree(this.dtree, this.dtree.maxCode);
    this.buildTree(this.bltree);
    let maxBlindex: number;
    for (maxBlindex = BL_CODES - 1; maxBlindex >= 3; maxBlindex--) {
      if (this.bltree.len[BL_ORDER[maxBlindex]] !== 0) break;
    }
    this.optLen += 3 * (maxBlindex + 1) + 5 + 5 + 4;
    return maxBlindex;
  }

  private compressBlock(ltree: { code: Uint16Array; len: Uint16Array }, dtree: { code: Uint16Array; len: Uint16Array }): void {
    const w = this.writer;
    for (let lx = 0; lx < this.lastLit; lx++) {
      let dist = this.dBuf[lx];
      let lc = this.lBuf[lx];
      if (dist === 0) {
        this.sendCode(lc, ltree);
      } else {
        let code = LENGTH_CODE[lc];
        this.sendCode(code + LITERALS + 1, ltree);
        let extra = EXTRA_LBITS[code];
        if (extra !== 0) {
          lc -= BASE_LENGTH[code];
          w.bits(lc, extra);
        }
        dist--;
        code = dCode(dist);
        this.sendCode(code, dtree);
        extra = EXTRA_DBITS[code];
        if (extra !== 0) {
          dist -= BASE_DIST[code];
          w.bits(dist, extra);
        }
      }
    }
    this.sendCode(END_BLOCK, ltree);
  }

  /** _tr_flush_block of window[block_start, strstart): stored, fixed or dynamic, whichever is shortest. */
  private flushBlock(eof: boolean): void {
    const storedLen = this.strstart - this.blockStart;
    const hasBuf = this.blockStart >= 0; // a slid-away block cannot be stored
    this.buildTree(this.ltree);
    this.buildTree(this.dtree);
    const maxBlindex = this.buildBlTree();
    let optLenb = (this.optLen + 3 + 7) >> 3;
    const staticLenb = (this.staticLen + 3 + 7) >> 3;
    if (staticLenb <= optLenb) optLenb = staticLenb;
    const w = this.writer;
    const last = eof ? 1 : 0;
    if (storedLen + 4 <= optLenb && hasBuf) {
      w.bits(last, 3); // STORED_BLOCK << 1
      w.windup();
      w.bits(storedLen & 0xffff, 16);
      w.bits(~storedLen & 0xffff, 16);
      w.bytes(this.window.subarray(this.blockStart, this.blockStart + storedLen));
    } else if (staticLenb === optLenb) {
      w.bits((1 << 1) + last, 3); // STATIC_TREES
      this.compressBlock({ code: STATIC_LTREE_CODE, len: STATIC_LTREE_LEN }, { code: STATIC_DTREE_CODE, len: STATIC_DTREE_LEN });
    } else {
      w.bits((2 << 1) + last, 3); // DYN_TREES
      const lcodes = this.ltree.maxCode + 1;
      const dcodes = this.dtree.maxCode + 1;
      const blcodes = maxBlindex + 1;
      w.bits(lcodes - 257, 5);
      w.bits(dcodes - 1, 5);
      w.bits(blcodes - 4, 4);
      for (let rank = 0; rank < blcodes; rank++) w.bits(this.bltree.len[BL_ORDER[rank]], 3);
      this.sendTree(this.ltree, lcodes - 1);
      this.sendTree(this.dtree, dcodes - 1);
      this.compressBlock(this.ltree, this.dtree);
    }
    this.initBlock();
    if (eof) w.windup();
    this.blockStart = this.strstart;
  }
}

/** crypto/deflate.c: DEFLATE_DEF_LEVEL, DEFLATE_DEF_WINBITS, DEFLATE_DEF_MEMLEVEL (MAX_MEM_LEVEL). */
export const KERNEL_DEFLATE = { level: 6, windowBits: 11, memLevel: 8 } as const;

export class KernelDeflateCodec implements Codec {
  readonly name = 'deflate-kernel';
  private readonly deflater = new KernelDeflater(KERNEL_DEFLATE.level, KERNEL_DEFLATE.windowBits, KERNEL_DEFLATE.memLevel);
  private lastLength = 0;

  compress(page: Uint8Array): Uint8Array {
    const block = this.deflater.deflate(page).slice();
    this.lastLength = block.length;
    return block;
  }

  /** The kernel's Z_FINISH call succeeds only when the stream is shorter than its output buffer. */
  fits(limit: number): boolean {
    return this.lastLength < limit;
  }

  decompress(block: Uint8Array, dst: Uint8Array): void {
    const out = inflateRawSync(block);
    if (out.length !== PAGE_SIZE) throw new Error(`deflate-kernel decompressed ${out.length} bytes, expected ${PAGE_SIZE}`);
    dst.set(out);
  }
}
