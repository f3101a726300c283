/*
 * The messages between the compression pool and its workers, in one place.
 *
 * A task carries a batch of pages in one transferred ArrayBuffer; the reply
 * is one transferred ArrayBuffer too (piscina moves a single transferable):
 *
 *   u32 count | u32 lengths[count] | (pad to 8) | f64 ns[count] |
 *   i32 digests[4 × count] | blocks…
 *
 * The digests are those of the pages as compressed (src/mm/digest.ts), so
 * the main thread need not hash a page a worker has already read.
 *
 * Blocks follow each other in page order. Nothing is copied through the
 * structured clone but the small task object.
 */
import { PAGE_SIZE } from '../page.js';

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
 * Decompress blocks and digest the pages (the final check of SPEC §9):
 * `blocks` is `u32 count | u32 lengths[count] | bytes…`; the reply is an
 * Int32Array of 4 words per block.
 */
export interface DigestTask {
  kind: 'digest';
  codec: string;
  codecModule?: string;
  blocks: ArrayBuffer;
}

export type PoolTask = CompressTask | DigestTask;

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

export interface CompressedBatch {
  blocks: Uint8Array[];
  ns: Float64Array;
  /** 4 words per page. */
  digests: Int32Array;
}

function layout(count: number): { nsOffset: number; digestOffset: number; dataOffset: number } {
  const headerEnd = 4 * (1 + count);
  const nsOffset = (headerEnd + 7) & ~7;
  const digestOffset = nsOffset + 8 * count;
  return { nsOffset, digestOffset, dataOffset: digestOffset + 16 * count };
}

/** Packs compressed blocks, timings and the pages' digests into one buffer (worker side). */
export function packResult(blocks: Uint8Array[], ns: number[], digests: Int32Array): ArrayBuffer {
  const count = blocks.length;
  const { nsOffset, digestOffset, dataOffset } = layout(count);
  const total = dataOffset + blocks.reduce((s, b) => s + b.length, 0);
  const buf = new ArrayBuffer(total);
  const head = new Uint32Array(buf, 0, 1 + count);
  const times = new Float64Array(buf, nsOffset, count);
  new Int32Array(buf, digestOffset, 4 * count).set(digests);
  const bytes = new Uint8Array(buf);
  head[0] = count;
  let at = dataOffset;
  for (let i = 0; i < count; i++) {
    head[1 + i] = blocks[i].length;
    times[i] = ns[i];
    bytes.set(blocks[i], at);
    at += blocks[i].length;
  }
  return buf;
}

/** Unpacks a worker's reply into views on the transferred buffer (pool side). */
export function unpackResult(buf: ArrayBuffer): CompressedBatch {
  const count = new Uint32Array(buf, 0, 1)[0];
  const { nsOffset, digestOffset, dataOffset } = layout(count);
  const lengths = new Uint32Array(buf, 4, count);
  const ns = new Float64Array(buf, nsOffset, count);
  const digests = new Int32Array(buf, digestOffset, 4 * count);
  const blocks: Uint8Array[] = [];
  let at = dataOffset;
  for (let i = 0; i < count; i++) {
    blocks.push(new Uint8Array(buf, at, lengths[i]));
    at += lengths[i];
  }
  return { blocks, ns, digests };
}

/** Copies pages into one transferable buffer. */
export function packPages(pages: Uint8Array[]): ArrayBuffer {
  const buf = new ArrayBuffer(pages.length * PAGE_SIZE);
  const bytes = new Uint8Array(buf);
  pages.forEach((p, i) => bytes.set(p, i * PAGE_SIZE));
  return buf;
}
