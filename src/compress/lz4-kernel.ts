/*
 * `lz4-kernel`: the Linux kernel's LZ4 compressor as the crypto API and
 * zram call it (lib/lz4/lz4_compress.c, LZ4_compress_default: acceleration
 * 1), written here from the LZ4 block format and that function's
 * documented algorithm. The `lz4` codec stays lz4_flex, as SPEC §8 pins it;
 * this one gives the kernel's own lengths (test/kernel-reference.test.ts),
 * about 1 % shorter in total than lz4_flex's on real process memory.
 *
 * What decides the bytes: a page is under 64 KiB, so the kernel uses its
 * 16-bit table of 2^13 positions (LZ4_MEMORY_USAGE 14, byU16) with the
 * multiplicative hash 2654435761 of four bytes; the table starts zeroed
 * every call; the search skips ahead by `attempts >> 6`; a match is
 * extended backwards over equal bytes, forward up to 5 bytes before the
 * end; after a match the position two bytes back is hashed and the next
 * position tried at once; no match starts within the last 12 bytes.
 *
 * The kernel's call with a one-page output buffer checks room before each
 * sequence with margins it may not use, and fails (returns 0) when one is
 * short; `fits` reproduces those checks.
 */
import { createRequire } from 'node:module';
import type * as Lz4Wasm from 'lz4-wasm-nodejs';
import { PAGE_SIZE } from '../page.js';
import type { Codec } from './codec.js';

const MINMATCH = 4;
const LASTLITERALS = 5;
const MFLIMIT = 12;
const LZ4_MIN_LENGTH = MFLIMIT + 1;
const SKIP_TRIGGER = 6;
const HASH_LOG_U16 = 13;
const ML_BITS = 4;
const ML_MASK = (1 << ML_BITS) - 1;
const RUN_MASK = (1 << (8 - ML_BITS)) - 1;
const MAX_DISTANCE = 65535;

const require = createRequire(import.meta.url);

function read32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

function hash(b: Uint8Array, i: number): number {
  return Math.imul(read32(b, i), 2654435761) >>> (32 - HASH_LOG_U16);
}

/** Equal bytes of src from a and b, b running ahead of a, stopping at `limit` (LZ4_count). */
function count(src: Uint8Array, a: number, b: number, limit: number): number {
  const start = a;
  while (a < limit && src[a] === src[b]) {
    a++;
    b++;
  }
  return a - start;
}

export class KernelLz4Compressor {
  private readonly table = new Uint16Array(1 << HASH_LOG_U16);
  out = new Uint8Array(PAGE_SIZE + Math.ceil(PAGE_SIZE / 255) + 16);
  /** The output buffer the kernel's limited call would have needed. */
  needed = 0;
  private op = 0;

  private require(bytes: number): void {
    if (bytes > this.needed) this.needed = bytes;
  }

  private byte(v: number): void {
    this.out[this.op++] = v & 0xff;
  }

  /** LZ4_compress_generic(noDict, byU16, acceleration 1); returns the block's length. */
  compress(src: Uint8Array): number {
    const iend = src.length;
    if (iend > 65535 + MFLIMIT - 1) throw new Error('lz4-kernel: input over 64 KiB');
    const mflimit = iend - MFLIMIT;
    const matchlimit = iend - LASTLITERALS;
    const table = this.table;
    table.fill(0);
    this.op = 0;
    this.needed = 0;
    let anchor = 0;
    let ip = 0;

    if (iend >= LZ4_MIN_LENGTH) {
      table[hash(src, ip)] = ip;
      ip++;
      let forwardH = hash(src, ip);
      main: for (;;) {
        let match: number;
        // find a match
        {
          let forwardIp = ip;
          let step = 1;
          let searchMatchNb = 1 << SKIP_TRIGGER;
          do {
            const h = forwardH;
            ip = forwardIp;
            forwardIp += step;
            step = searchMatchNb++ >> SKIP_TRIGGER;
            if (forwardIp > mflimit) break main;
            match = table[h];
            forwardH = hash(src, forwardIp);
            table[h] = ip;
          } while (read32(src, match) !== read32(src, ip));
        }
        // catch up
        while (ip > anchor && match > 0 && src[ip - 1] === src[match - 1]) {
          ip--;
          match--;
        }
        // literals
        let token = this.op++;
        {
          const litLength = ip - anchor;
          this.require(this.op + litLength + (2 + 1 + LASTLITERALS) + Math.floor(litLength / 255));
          if (litLength >= RUN_MASK) {
            let len = litLength - RUN_MASK;
            this.out[token] = RUN_MASK << ML_BITS;
            for (; len >= 255; len -= 255) this.byte(255);
            this.byte(len);
          } else {
            this.out[token] = litLength << ML_BITS;
          }
          this.out.set(src.subarray(anchor, ip), this.op);
          this.op += litLength;
        }
        for (;;) {
          // offset
          const offset = ip - match;
          this.byte(offset);
          this.byte(offset >> 8);
          // match length
          let matchCode = count(src, ip + MINMATCH, match + MINMATCH, matchlimit);
          ip += MINMATCH + matchCode;
          this.require(this.op + (1 + LASTLITERALS) + (matchCode >> 8));
          if (matchCode >= ML_MASK) {
            this.out[token] += ML_MASK;
            matchCode -= ML_MASK;
            for (; matchCode >= 255; matchCode -= 255) this.byte(255);
            this.byte(matchCode);
          } else {
            this.out[token] += matchCode;
          }
          anchor = ip;
          if (ip > mflimit) break main;
          // fill the table, and try the next position at once
          table[hash(src, ip - 2)] = ip - 2;
          const h = hash(src, ip);
          match = table[h];
          table[h] = ip;
          if (match + MAX_DISTANCE >= ip && read32(src, match) === read32(src, ip)) {
            token = this.op++;
            this.out[token] = 0;
            continue;
          }
          break;
        }
        forwardH = hash(src, ++ip);
      }
    }
    // last literals
    const lastRun = iend - anchor;
    this.require(this.op + lastRun + 1 + Math.floor((lastRun + 255 - RUN_MASK) / 255));
    if (lastRun >= RUN_MASK) {
      let acc = lastRun - RUN_MASK;
      this.byte(RUN_MASK << ML_BITS);
      for (; acc >= 255; acc -= 255) this.byte(255);
      this.byte(acc);
    } else {
      this.byte(lastRun << ML_BITS);
    }
    this.out.set(src.subarray(anchor, iend), this.op);
    this.op += lastRun;
    return this.op;
  }
}

export class KernelLz4Codec implements Codec {
  readonly name = 'lz4-kernel';
  private readonly compressor = new KernelLz4Compressor();
  private readonly lz4 = require('lz4-wasm-nodejs') as typeof Lz4Wasm;
  private framed = new Uint8Array(4 + PAGE_SIZE * 2);

  compress(page: Uint8Array): Uint8Array {
    return this.compressor.out.slice(0, this.compressor.compress(page));
  }

  fits(limit: number): boolean {
    return this.compressor.needed <= limit;
  }

  /** Decoded by lz4_flex (lz4-wasm), an independent LZ4 block decoder. */
  decompress(block: Uint8Array, dst: Uint8Array): void {
    if (this.framed.length < block.length + 4) this.framed = new Uint8Array(block.length + 4);
    new DataView(this.framed.buffer).setUint32(0, PAGE_SIZE, true);
    this.framed.set(block, 4);
    let out: Uint8Array;
    try {
      out = this.lz4.decompress(this.framed.subarray(0, block.length + 4));
    } catch (e) {
      throw new Error(`lz4-kernel decompression failed: ${String(e)}`);
    }
    if (out.length !== PAGE_SIZE) throw new Error(`lz4-kernel decompressed ${out.length} bytes, expected ${PAGE_SIZE}`);
    dst.set(out);
  }
}
