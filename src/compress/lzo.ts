/*
 * `lzo` and `lzo-rle`: the Linux kernel's LZO1X-1 compressor (lib/lzo,
 * lzo1x_1_compress and lzorle1x_1_compress of Linux 5.1–6.x) and a
 * decompressor for both bitstreams, written here from the stream format
 * (Documentation/staging/lzo.rst) and the kernel's documented choices.
 *
 * Why our own: no npm package has the kernel's LZO. minilzo (LZO 2.09) uses
 * another dictionary and match heuristics, so its lengths differ from the
 * kernel's on about half of real pages; zswap's and zram's numbers depend on
 * those lengths. This implementation gives the kernel's length on every page
 * of the real-kernel reference (test/kernel-reference.test.ts).
 *
 * The compressor is the x86_64 build: 13-bit dictionary of 16-bit offsets,
 * multiplicative hash 0x1824429d, the "skip faster through literals" step
 * `1 + (distance since the last instruction) / 32`, matches extended eight
 * bytes at a time (CTZ64) and cut at ip_end = end − 20, and — lzo-rle only —
 * runs of zero bytes (4…2051) found from any position whose next four bytes
 * are zero, encoded as a 0001 1LLL instruction with distance 0xbfff and one
 * extra byte, the stream starting with the version header `17, 1`.
 *
 * The kernel calls the "safe" variant with an output limit (zswap: one
 * page). Its NEED_OP checks reserve more room than some instructions use
 * (4 bytes for 1–3 literals, 17 for 4–16), so a call can fail although the
 * stream would have fit; `neededOutput` reproduces that bound exactly, and
 * the codec reports a page as fitting only when the kernel's call succeeds.
 *
 * Left out: inputs over 48 KiB (several dictionary passes; never a page).
 */
import { PAGE_SIZE } from '../page.js';
import type { Codec } from './codec.js';

const D_BITS = 13;
const D_MASK = (1 << D_BITS) - 1;
const M2_MAX_LEN = 8;
const M2_MAX_OFFSET = 0x0800;
const M3_MAX_LEN = 33;
const M3_MAX_OFFSET = 0x4000;
const M4_MAX_LEN = 9;
const M3_MARKER = 32;
const M4_MARKER = 16;
const MIN_ZERO_RUN_LENGTH = 4;
const MAX_ZERO_RUN_LENGTH = 2047 + MIN_ZERO_RUN_LENGTH;
/** The stream header of lzo-rle: the byte 17 (never the first byte of a v0 stream) and the version. */
const LZO_RLE_VERSION = 1;

export class LzoError extends Error {}

/** Little-endian 32-bit word at i (as an unsigned number). */
function le32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/** Number of equal bytes of a and b from ai, bi, comparing at most `max`. */
function equalBytes(a: Uint8Array, ai: number, bi: number, max: number): number {
  let n = 0;
  while (n < max && a[ai + n] === a[bi + n]) n++;
  return n;
}

/**
 * One compression: `out` receives the stream (it must hold the worst case,
 * in + in/16 + 67 bytes) and `length` its size; `needed` is the output
 * buffer the kernel's safe variant would have required.
 */
class LzoCompressor {
  readonly dict = new Uint16Array(1 << D_BITS);
  out: Uint8Array;
  op = 0;
  needed = 0;
  /** Where the literal count of the next 1–3 literals goes: −2 after a match, −3 after a zero run. */
  private stateOffset = -2;

  constructor(private readonly rle: boolean) {
    this.out = new Uint8Array(PAGE_SIZE + PAGE_SIZE / 16 + 67);
  }

  /** NEED_OP(x): the safe variant checks that x bytes remain. */
  private need(x: number): void {
    if (this.op + x > this.needed) this.needed = this.op + x;
  }

  private byte(v: number): void {
    this.out[this.op++] = v & 0xff;
  }

  /** A length beyond an instruction's field: a zero byte per 255, then the rest, each with its NEED_OP(1). */
  private lengthBytes(l: number): void {
    while (l > 255) {
      l -= 255;
      this.need(1);
      this.byte(0);
    }
    this.need(1);
    this.byte(l);
  }

  /**
   * Emits the literals in[from, from + t) (t ≥ 1). do_compress and the final
   * flush encode them alike but reserve room differently (NEED_OP): inside
   * do_compress 1–3 literals reserve 4 bytes and 4–16 reserve 17; the flush
   * reserves exactly what it writes, and may use the one-byte form 17 + t
   * when nothing precedes.
   */
  private literals(input: Uint8Array, from: number, t: number, final: boolean, first: boolean): void {
    if (final && first && t <= 238) {
      this.need(1);
      this.byte(17 + t);
    } else if (t <= 3) {
      this.out[this.op + this.stateOffset] |= t;
      if (!final) this.need(4);
    } else if (t <= 16 && !final) {
      this.need(17);
      this.byte(t - 3);
    } else if (t <= 18) {
      this.need(1);
      this.byte(t - 3);
    } else {
      this.need(1);
      this.byte(0);
      this.lengthBytes(t - 18);
    }
    if (final || t > 16) this.need(t);
    this.out.set(input.subarray(from, from + t), this.op);
    this.op += t;
  }

  compress(input: Uint8Array): number {
    const inLen = input.length;
    if (inLen > 0xbffe) throw new LzoError(`lzo: input of ${inLen} bytes is over one dictionary pass`);
    this.op = 0;
    this.needed = 0;
    this.stateOffset = -2;
    if (this.rle) {
      this.byte(17);
      this.byte(LZO_RLE_VERSION);
    }
    const dataStart = this.op;
    let trailing = inLen;
    if (inLen > 20) trailing = this.doCompress(input);
    if (trailing > 0) this.literals(input, inLen - trailing, trailing, true, this.op === dataStart);
    this.need(3);
    this.byte(M4_MARKER | 1);
    this.byte(0);
    this.byte(0);
    return this.op;
  }

  /** lzo1x_1_do_compress over the whole input (one pass); returns the trailing literal count. */
  private doCompress(input: Uint8Array): number {
    const inLen = input.length;
    const ipEnd = inLen - 20;
    const dict = this.dict;
    dict.fill(0);
    let ip = 4;
    let ii = 0;
    for (;;) {
      // literal: skip ahead faster the longer the literal run
      ip += 1 + ((ip - ii) >> 5);
      for (;;) {
        // next:
        if (ip >= ipEnd) return inLen - ii;
        const dv = le32(input, ip);
        let runLength = 0;
        let mPos = 0;
        if (dv === 0 && this.rle) {
          const limit = Math.min(ipEnd, ip + MAX_ZERO_RUN_LENGTH + 1);
          let ir = ip + 4;
          while (ir < limit && input[ir] === 0) ir++;
          runLength = Math.min(ir - ip, MAX_ZERO_RUN_LENGTH);
        } else {
          const h = (Math.imul(dv, 0x1824429d) >>> (32 - D_BITS)) & D_MASK;
          mPos = dict[h];
          dict[h] = ip;
          if (dv !== le32(input, mPos)) break; // goto literal
        }

        const t = ip - ii;
        if (t !== 0) this.literals(input, ii, t, false, false);

        if (runLength !== 0) {
          ip += runLength;
          const r = runLength - MIN_ZERO_RUN_LENGTH;
          this.need(4);
          const word = ((r << 21) | 0xfffc18 | (r & 7)) >>> 0;
          this.byte(word);
          this.byte(word >>> 8);
          this.byte(word >>> 16);
          this.byte(word >>> 24);
          this.stateOffset = -3;
          ii = ip;
          continue; // goto next
        }

        // Extend the match eight bytes at a time, as the x86_64 build does:
        // a run of equal words reaching ip_end stops there, uncounted further.
        let mLen = 4;
        let e = equalBytes(input, ip + mLen, mPos + mLen, 8);
        if (e === 8) {
          for (;;) {
            mLen += 8;
            e = equalBytes(input, ip + mLen, mPos + mLen, 8);
            if (ip + mLen >= ipEnd) {
              e = 0;
              break;
            }
            if (e !== 8) break;
          }
        }
        mLen += e;

        let mOff = ip - mPos;
        ip += mLen;
        if (mLen <= M2_MAX_LEN && mOff <= M2_MAX_OFFSET) {
          mOff -= 1;
          this.need(2);
          this.byte(((mLen - 1) << 5) | ((mOff & 7) << 2));
          this.byte(mOff >> 3);
        } else if (mOff <= M3_MAX_OFFSET) {
          mOff -= 1;
          this.need(1);
          if (mLen <= M3_MAX_LEN) this.byte(M3_MARKER | (mLen - 2));
          else {
            this.byte(M3_MARKER);
            this.lengthBytes(mLen - M3_MAX_LEN);
          }
          this.need(2);
          this.byte(mOff << 2);
          this.byte(mOff >> 6);
        } else {
          mOff -= 0x4000;
          this.need(1);
          if (mLen <= M4_MAX_LEN) this.byte(M4_MARKER | ((mOff >> 11) & 8) | (mLen - 2));
          else {
            if (this.rle && (mOff & 0x403f) === 0x403f && mLen >= 261 && mLen <= 264) {
              // lzo-rle: these would read as a zero run; shorten to 260
              ip -= mLen - 260;
              mLen = 260;
            }
            this.byte(M4_MARKER | ((mOff >> 11) & 8));
            this.lengthBytes(mLen - M4_MAX_LEN);
          }
          this.need(2);
          this.byte(mOff << 2);
          this.byte(mOff >> 6);
        }
        this.stateOffset = -2;
        ii = ip;
      }
    }
  }
}

/**
 * Decompresses an LZO1X stream (either version) into dst; returns the bytes
 * written. Throws LzoError on any malformed or truncated input, or output
 * beyond dst.
 */
export function lzoDecompress(src: Uint8Array, dst: Uint8Array): number {
  let ip = 0;
  let op = 0;
  const n = src.length;
  const fail = (why: string): never => {
    throw new LzoError(`lzo: ${why} at input byte ${ip}`);
  };
  const take = (): number => (ip < n ? src[ip++] : fail('truncated stream'));
  const copyLiterals = (count: number): void => {
    if (ip + count > n) fail('truncated literal run');
    if (op + count > dst.length) fail('output overrun');
    if (count < 64) {
      // a loop beats making a subarray for the short runs most literals come in
      for (let i = 0; i < count; i++) dst[op++] = src[ip++];
      return;
    }
    dst.set(src.subarray(ip, ip + count), op);
    ip += count;
    op += count;
  };
  const copyMatch = (distance: number, length: number): void => {
    if (distance > op) fail(`match distance ${distance} before the start of the output`);
    if (op + length > dst.length) fail('output overrun');
    if (distance >= length && length >= 64) {
      dst.copyWithin(op, op - distance, op - distance + length); // no overlap: one native copy
      op += length;
      return;
    }
    for (let i = 0; i < length; i++, op++) dst[op] = dst[op - distance];
  };
  /** Variable-length count: `base` when the field is 0, plus 255 per zero byte, plus the first non-zero byte. */
  const extended = (base: number): number => {
    let len = base;
    let b: number;
    while ((b = take()) === 0) len += 255;
    return len + b;
  };

  let version = 0;
  if (n >= 5 && src[0] === 17) {
    version = src[1];
    if (version !== LZO_RLE_VERSION) fail(`unknown bitstream version ${version}`);
    ip = 2;
  }
  let state = 0;
  if (ip < n && src[ip] > 17) {
    const t = src[ip++] - 17;
    copyLiterals(t);
    state = t < 4 ? t : 4;
  }
  for (;;) {
    const t = take();
    let distance: number;
    let length: number;
    if (t < 16) {
      if (state === 0) {
        copyLiterals(3 + (t !== 0 ? t : extended(15)));
        state = 4;
        continue;
      }
      const h = take();
      distance = state === 4 ? (h << 2) + ((t >> 2) & 3) + 2049 : (h << 2) + ((t >> 2) & 3) + 1;
      length = state === 4 ? 3 : 2;
      state = t & 3;
    } else if (t < 32) {
      if (version === LZO_RLE_VERSION && (t & 8) !== 0 && ip + 1 < n && ((src[ip] | (src[ip + 1] << 8)) >> 2) === 0x3fff) {
        // lzo-rle: a run of zeros
        const s = src[ip] & 3;
        ip += 2;
        const run = ((take() << 3) | (t & 7)) + MIN_ZERO_RUN_LENGTH;
        if (op + run > dst.length) fail('output overrun');
        dst.fill(0, op, op + run);
        op += run;
        state = s;
        copyLiterals(s);
        continue;
      }
      length = 2 + ((t & 7) !== 0 ? t & 7 : extended(7));
      const lo = take();
      const hi = take();
      const d = (lo | (hi << 8)) >> 2;
      distance = 16384 + ((t & 8) << 11) + d;
      if (distance === 16384) {
        if (ip !== n) fail('bytes after the end of the stream');
        return op;
      }
      state = lo & 3;
    } else if (t < 64) {
      length = 2 + ((t & 31) !== 0 ? t & 31 : extended(31));
      const lo = take();
      const hi = take();
      distance = ((lo | (hi << 8)) >> 2) + 1;
      state = lo & 3;
    } else if (t < 128) {
      length = 3 + ((t >> 5) & 1);
      distance = (take() << 3) + ((t >> 2) & 7) + 1;
      state = t & 3;
    } else {
      length = 5 + ((t >> 5) & 3);
      distance = (take() << 3) + ((t >> 2) & 7) + 1;
      state = t & 3;
    }
    copyMatch(distance, length);
    copyLiterals(state);
  }
}

/** The kernel's LZO1X-1 (`lzo`) or lzo-rle as a codec. */
export class KernelLzoCodec implements Codec {
  readonly name: string;
  private readonly compressor: LzoCompressor;
  /** The output buffer the kernel's call needed for the last page. */
  neededOutput = 0;

  constructor(rle: boolean) {
    this.name = rle ? 'lzo-rle' : 'lzo';
    this.compressor = new LzoCompressor(rle);
  }

  compress(page: Uint8Array): Uint8Array {
    const len = this.compressor.compress(page);
    this.neededOutput = this.compressor.needed;
    return this.compressor.out.slice(0, len);
  }

  /** Would the kernel's call have succeeded with an output buffer of `limit` bytes? */
  fits(limit: number): boolean {
    return this.neededOutput <= limit;
  }

  decompress(block: Uint8Array, dst: Uint8Array): void {
    const n = lzoDecompress(block, dst);
    if (n !== PAGE_SIZE) throw new LzoError(`${this.name} decompressed ${n} bytes, expected ${PAGE_SIZE}`);
  }
}
