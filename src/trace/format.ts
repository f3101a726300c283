/*
 * Trace format v1 (SPEC §2): the records, their fields and the parsing of
 * one line.
 *
 * Parsing works on bytes, not strings: a `w … b:` line is 5.5 KB of base64,
 * and the reader must stream hundreds of MB/s of them. A line is tokenised in
 * place, numbers are accumulated digit by digit with range checks before
 * they can lose precision, and page payloads are decoded straight into a
 * caller-supplied 4096-byte buffer. Every malformed field raises a message
 * saying what is wrong; the reader adds FILE:LINE.
 */

import { Content, ZERO_CONTENT } from '../mm/content.js';
import { PAGE_SIZE, fillWord } from '../page.js';

export const MAX_AS = 2 ** 31 - 1;
export const MAX_VPN = 2 ** 52 - 1;
/** Longest line accepted; anything longer is not a trace (binary garbage, a missing newline …). */
export const MAX_LINE_BYTES = 1 << 20;
export const HEADER = 'ztrace 1';

export type RecordKind = 'w' | 'r' | 'f' | 'x' | 'd' | 'o' | FileRecordKind;
/**
 * File records (SPEC §13.8): M FS mount, U FS umount, R FS INO IDX read,
 * W FS INO IDX DATA write, T FS INO N truncate, L FS INO unlink,
 * I FS INO IDX DATA O_DIRECT write, C drop_caches.
 */
export type FileRecordKind = 'M' | 'U' | 'R' | 'W' | 'T' | 'L' | 'I' | 'C';
/** The largest page index (IDX) and truncation size (N) of a file record. */
export const MAX_IDX = 2 ** 32 - 1;

/** How a DATA field was written, for `trace info` and the writer. */
export type DataForm = 'z' | 'f' | 'b' | '@';

/**
 * One parsed record. The reader reuses a single instance: a consumer that
 * keeps the record beyond the callback must copy its fields (its Content is
 * immutable and may be kept as it is).
 */
export interface TraceRecord {
  kind: RecordKind;
  /** 1-based line number in the (decompressed) trace. */
  line: number;
  /** Address space (`w r f x o`); the filesystem of a file record. */
  as: number;
  /** Virtual page number (`w r f o`); the inode of a file record. */
  vpn: number;
  /** A file record's page index (`R W I`) or new size in pages (`T`). */
  idx: number;
  /** Page content (`w`, `d`, `W`, `I`): shared, never written to. */
  content: Content;
  /** How DATA was written (`w`, `d`). */
  form: DataForm;
  /** Normalised decimal ID of a `d` record or of an `@ID` reference. */
  id: string;
}

/** A problem with one line; the reader turns it into `FILE:LINE: message`. */
export class LineError extends Error {}

const SPACE = 0x20;
const TAB = 0x09;
const ZERO = 0x30;

const B64 = new Int8Array(256).fill(-1);
{
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) B64[alphabet.charCodeAt(i)] = i;
}
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[ZERO + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

function text(buf: Uint8Array, start: number, end: number, max = 40): string {
  const s = Buffer.from(buf.buffer, buf.byteOffset + start, Math.min(end - start, max)).toString('latin1');
  const shown = JSON.stringify(s);
  return end - start > max ? `${shown.slice(0, -1)}…"` : shown;
}

/** Token boundaries of the current line: starts[i], ends[i]. */
export class Tokens {
  readonly starts = new Int32Array(6);
  readonly ends = new Int32Array(6);
  count = 0;

  /** Splits buf[start, end) on runs of blanks; at most 6 tokens are recorded, more are counted. */
  split(buf: Uint8Array, start: number, end: number): void {
    let n = 0;
    let i = start;
    while (i < end) {
      let c = buf[i];
      if (c === SPACE || c === TAB) {
        i++;
        continue;
      }
      const s = i;
      const shortEnd = Math.min(end, i + 24);
      while (i < shortEnd && (c = buf[i]) !== SPACE && c !== TAB) i++;
      if (i === shortEnd && i < end) i = longTokenEnd(buf, i, end);
      if (n < 6) {
        this.starts[n] = s;
        this.ends[n] = i;
      }
      n++;
    }
    this.count = n;
  }
}

/** The end of a long token (a base64 payload) found with native searches. */
function longTokenEnd(buf: Uint8Array, from: number, end: number): number {
  const rest = Buffer.from(buf.buffer, buf.byteOffset + from, end - from);
  const sp = rest.indexOf(SPACE);
  const tab = rest.indexOf(TAB);
  const hit = sp < 0 ? tab : tab < 0 ? sp : Math.min(sp, tab);
  return hit < 0 ? end : from + hit;
}

/** Parses an unsigned decimal integer (leading zeros allowed) no greater than max. */
export function parseDecimal(buf: Uint8Array, start: number, end: number, max: number, what: string): number {
  if (start === end) throw new LineError(`${what} is empty`);
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - ZERO;
    if (d < 0 || d > 9) throw new LineError(`${what} ${text(buf, start, end)} is not a decimal integer`);
    v = v * 10 + d;
    if (v > max) throw new LineError(`${what} ${text(buf, start, end)} is out of range 0..${max}`);
  }
  return v;
}

/** Parses a VPN (or an inode, `what`): decimal, or `0x` followed by hex digits of either case. */
export function parseVpn(buf: Uint8Array, start: number, end: number, what = 'VPN'): number {
  if (end - start > 2 && buf[start] === ZERO && buf[start + 1] === 0x78) {
    let v = 0;
    for (let i = start + 2; i < end; i++) {
      const d = HEX[buf[i]];
      if (d < 0) throw new LineError(`${what} ${text(buf, start, end)} has a bad hex digit`);
      v = v * 16 + d;
      if (v > MAX_VPN) throw new LineError(`${what} ${text(buf, start, end)} is out of range 0..2^52-1`);
    }
    return v;
  }
  return parseDecimal(buf, start, end, MAX_VPN, what);
}

/** Normalises a decimal ID (compared by value: `01` is `1`). */
export function parseId(buf: Uint8Array, start: number, end: number): string {
  if (start === end) throw new LineError('content ID is empty');
  for (let i = start; i < end; i++) {
    const d = buf[i] - ZERO;
    if (d < 0 || d > 9) throw new LineError(`content ID ${text(buf, start, end)} is not a decimal integer`);
  }
  let s = start;
  while (s < end - 1 && buf[s] === ZERO) s++;
  return Buffer.from(buf.buffer, buf.byteOffset + s, end - s).toString('latin1');
}


function parseFill(buf: Uint8Array, start: number, end: number, dst: Uint8Array): void {
  // start points just after "f:"
  if (end - start !== 16) {
    throw new LineError(`fill pattern ${text(buf, start - 2, end)} must be f: and exactly 16 hex digits`);
  }
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 16; i++) {
    const d = HEX[buf[start + i]];
    if (d < 0) throw new LineError(`fill pattern ${text(buf, start - 2, end)} has a bad hex digit`);
    if (i < 8) hi = hi * 16 + d;
    else lo = lo * 16 + d;
  }
  fillWord(dst, lo >>> 0, hi >>> 0);
}

function base64Problem(buf: Uint8Array, start: number, end: number): string {
  const len = end - start;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (B64[c] >= 0) continue;
    if (c === 0x3d && i >= end - 2 && (i === end - 1 || buf[end - 1] === 0x3d)) continue;
    const ch = c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
    return c === 0x3d
      ? `base64 padding '=' in the middle of the payload (offset ${i - start})`
      : `invalid base64 character ${ch} at offset ${i - start} of the payload`;
  }
  if (len % 4 !== 0) return `base64 payload length ${len} is not a multiple of 4`;
  const pads = len === 0 ? 0 : buf[end - 1] === 0x3d ? (buf[end - 2] === 0x3d ? 2 : 1) : 0;
  return `base64 payload decodes to ${(len / 4) * 3 - pads} bytes, expected ${PAGE_SIZE}`;
}

/** 4096 bytes in base64: 1365 full groups and one `xx==` group. */
const B64_PAGE_CHARS = 5464;

/**
 * Decodes a page of base64 into dst. The fast path lets Node's native decoder
 * do the work: with the length fixed at 5464 characters ending in `==`, any
 * character outside the alphabet makes it skip or stop, so it yields fewer
 * than 4096 bytes — except `-` and `_` (base64url), which it accepts and we
 * look for natively. Anything else takes the strict byte-by-byte path, which
 * names the problem (or accepts the rare payload whose final pad bits are
 * not zero, as the fast path does).
 */
function parseBase64(buf: Uint8Array, start: number, end: number, dst: Uint8Array): void {
  if (end - start === B64_PAGE_CHARS && buf[end - 1] === 0x3d && buf[end - 2] === 0x3d && buf[end - 3] !== 0x3d) {
    const raw = Buffer.from(buf.buffer, buf.byteOffset + start, B64_PAGE_CHARS);
    const out = Buffer.from(dst.buffer, dst.byteOffset, PAGE_SIZE);
    if (out.write(raw.toString('latin1'), 0, 'base64') === PAGE_SIZE && raw.indexOf(0x2d) < 0 && raw.indexOf(0x5f) < 0) return;
  }
  decodeBase64Strict(buf, start, end, dst);
}

function decodeBase64Strict(buf: Uint8Array, start: number, end: number, dst: Uint8Array): void {
  if (end - start !== B64_PAGE_CHARS || buf[end - 1] !== 0x3d || buf[end - 2] !== 0x3d) {
    throw new LineError(base64Problem(buf, start, end));
  }
  let bad = 0;
  let o = 0;
  let i = start;
  const full = end - 4;
  for (; i < full; i += 4) {
    const a = B64[buf[i]];
    const b = B64[buf[i + 1]];
    const c = B64[buf[i + 2]];
    const d = B64[buf[i + 3]];
    bad |= a | b | c | d;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    dst[o++] = v >>> 16;
    dst[o++] = (v >>> 8) & 0xff;
    dst[o++] = v & 0xff;
  }
  const a = B64[buf[i]];
  const b = B64[buf[i + 1]];
  bad |= a | b;
  dst[o] = (a << 2) | (b >> 4);
  if (bad < 0) throw new LineError(base64Problem(buf, start, end));
}

/**
 * Parses a DATA field: a new Content for `b:` and `f:`, the shared zero page
 * for `z`, the defined Content for `@ID` (not allowed in a `d` record).
 */
export function parseData(
  buf: Uint8Array,
  start: number,
  end: number,
  defs: ReadonlyMap<string, Content> | null,
  rec: TraceRecord,
): Content {
  const c0 = buf[start];
  if (c0 === 0x7a /* z */ && end - start === 1) {
    rec.form = 'z';
    return ZERO_CONTENT;
  }
  if (end - start >= 2 && buf[start + 1] === 0x3a /* : */) {
    if (c0 === 0x66 /* f */) {
      rec.form = 'f';
      const page = new Uint8Array(PAGE_SIZE);
      parseFill(buf, start + 2, end, page);
      return new Content(page);
    }
    if (c0 === 0x62 /* b */) {
      rec.form = 'b';
      const page = new Uint8Array(PAGE_SIZE);
      parseBase64(buf, start + 2, end, page);
      return new Content(page);
    }
  }
  if (c0 === 0x40 /* @ */) {
    if (defs === null) throw new LineError('a d record cannot define content by an @ reference');
    const id = parseId(buf, start + 1, end);
    const content = defs.get(id);
    if (content === undefined) throw new LineError(`@${id} is not defined (no earlier 'd ${id}' record)`);
    rec.form = '@';
    rec.id = id;
    return content;
  }
  throw new LineError(`bad DATA ${text(buf, start, end)}: expected z, f:HEX16, b:BASE64 or @ID`);
}

/** Describes a byte that cannot appear in a text trace, or returns null. */
export function binaryByte(buf: Uint8Array, start: number, end: number): string | null {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if ((c < 0x20 && c !== TAB) || c >= 0x7f) {
      return `binary data (byte 0x${c.toString(16).padStart(2, '0')} at column ${i - start + 1}): not a text trace`;
    }
  }
  return null;
}

export { text as quoteField };
