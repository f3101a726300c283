/*
 * The messages between the compression pool and its workers, in one place.
 *
 * A task carries a batch of pages in one transferred ArrayBuffer; the reply
 * is one transferred ArrayBuffer too (piscina moves a single transferable):
 *
 *   u32 count | u32 lengths[count] | (pad to 8) | f64 ns[count] |
 *   u8 fits[count] | blocks…
 *
 * `fits` says whether the kernel's call into a one-page buffer succeeds
 * (src/compress/codec.ts).
 *
 * Blocks follow each other in page order. Nothing is copied through the
 * structured clone but the small task object.
 */
import { PAGE_SIZE } from '../page.js';
import type { CompressedPage } from './codec.js';

export interface CompressTask {
  kind: 'compress';
  /** Canonical compressor name, e.g. `deflate:6`. */
  codec: string;
  /** A module exporting `createCodec(name)`, used instead of the registry (tests, plug-ins). */
  codecModule?: string;
  /** count × 4096 bytes of page content. */
  pages: ArrayBuffer;
  count: number;
}

/**
 * Decompress blocks and compare each with the page it must equal (the
 * verification side channel, src/mm/verify.ts): `blocks` as packBlocks
 * makes it, `pages` the expected pages back to back. The reply is
 * `f64 ns[count] | u8 mismatch[count]`.
 */
export interface VerifyTask {
  kind: 'verify';
  codec: string;
  codecModule?: string;
  blocks: ArrayBuffer;
  pages: ArrayBuffer;
}

export type PoolTask = CompressTask | VerifyTask;

export interface VerifyResult {
  ns: Float64Array;
  mismatch: Uint8Array;
}

export function packVerifyResult(ns: number[], mismatch: boolean[]): ArrayBuffer {
  const buf = new ArrayBuffer(9 * ns.length);
  new Float64Array(buf, 0, ns.length).set(ns);
  new Uint8Array(buf, 8 * ns.length, ns.length).set(mismatch.map((m) => (m ? 1 : 0)));
  return buf;
}

export function unpackVerifyResult(buf: ArrayBuffer): VerifyResult {
  const count = buf.byteLength / 9;
  return { ns: new Float64Array(buf, 0, count), mismatch: new Uint8Array(buf, 8 * count, count) };
}

export function packBlocks(blocks: Uint8Array[]): ArrayBuffer {
  const total = blocks.reduce((s, b) => s + b.length, 0);
  const head = 4 * (1 + blocks.length);
  const buf = new ArrayBuffer(head + total);
  const view = new Uint32Array(buf, 0, 1 + blocks.length);
  const bytes = new Uint8Array(buf);
  view[0] = blocks.length;
  let at = head;
  blocks.forEach((b, i) => {
    view[1 + i] = b.length;
    bytes.set(b, at);
    at += b.length;
  });
  return buf;
}

export function unpackBlocks(buf: ArrayBuffer): Uint8Array[] {
  const count = new Uint32Array(buf, 0, 1)[0];
  const lengths = new Uint32Array(buf, 4, count);
  const out: Uint8Array[] = [];
  let at = 4 * (1 + count);
  for (let i = 0; i < count; i++) {
    out.push(new Uint8Array(buf, at, lengths[i]));
    at += lengths[i];
  }
  return out;
}

function layout(count: number): { nsOffset: number; fitsOffset: number; dataOffset: number } {
  const headerEnd = 4 * (1 + count);
  const nsOffset = (headerEnd + 7) & ~7;
  const fitsOffset = nsOffset + 8 * count;
  return { nsOffset, fitsOffset, dataOffset: fitsOffset + count };
}

/** Packs compressed pages into one buffer (worker side). */
export function packResult(pages: CompressedPage[]): ArrayBuffer {
  const count = pages.length;
  const { nsOffset, fitsOffset, dataOffset } = layout(count);
  const total = dataOffset + pages.reduce((s, p) => s + p.block.length, 0);
  const buf = new ArrayBuffer(total);
  const head = new Uint32Array(buf, 0, 1 + count);
  const times = new Float64Array(buf, nsOffset, count);
  const fits = new Uint8Array(buf, fitsOffset, count);
  const bytes = new Uint8Array(buf);
  head[0] = count;
  let at = dataOffset;
  for (let i = 0; i < count; i++) {
    const p = pages[i];
    head[1 + i] = p.block.length;
    times[i] = p.ns;
    fits[i] = p.fits ? 1 : 0;
    bytes.set(p.block, at);
    at += p.block.length;
  }
  return buf;
}

/** Unpacks a worker's reply; the blocks are copies (a block may wait long for its eviction). */
export function unpackResult(buf: ArrayBuffer): CompressedPage[] {
  const count = new Uint32Array(buf, 0, 1)[0];
  const { nsOffset, fitsOffset, dataOffset } = layout(count);
  const lengths = new Uint32Array(buf, 4, count);
  const ns = new Float64Array(buf, nsOffset, count);
  const fits = new Uint8Array(buf, fitsOffset, count);
  const out: CompressedPage[] = [];
  let at = dataOffset;
  for (let i = 0; i < count; i++) {
    out.push({ block: new Uint8Array(buf.slice(at, at + lengths[i])), ns: ns[i], fits: fits[i] === 1 });
    at += lengths[i];
  }
  return out;
}

/** Copies pages into one transferable buffer. */
export function packPages(pages: Uint8Array[]): ArrayBuffer {
  const buf = new ArrayBuffer(pages.length * PAGE_SIZE);
  const bytes = new Uint8Array(buf);
  pages.forEach((p, i) => bytes.set(p, i * PAGE_SIZE));
  return buf;
}
