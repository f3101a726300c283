/*
 * The worker side of the compression pool (src/compress/protocol.ts):
 *  - compress: a batch of pages with one codec, each page timed where the
 *    work is done, answered with one transferred buffer that also carries
 *    each page's digest (the main thread's verification needs it);
 *  - digest: decompress stored blocks and digest the pages, for the final
 *    check of a run.
 * Codecs are made once per worker and name. (Warming them up on synthetic
 * pages as a worker starts was measured and dropped: it competed with the
 * replay's start for the cores and made runs 2–8 % slower.)
 */
import { move } from 'piscina';
import type { Codec } from '../src/compress/codec.js';
import { loadCodec } from '../src/compress/registry.js';
import { packResult, unpackBlocks, type CompressTask, type DigestTask, type PoolTask } from '../src/compress/protocol.js';
import { digestPage } from '../src/mm/digest.js';
import { collectDeadBuffers } from '../src/gc.js';
import { PAGE_SIZE } from '../src/page.js';

const codecs = new Map<string, Codec>();

async function codecFor(task: PoolTask): Promise<Codec> {
  const key = `${task.codecModule ?? ''}|${task.codec}`;
  let codec = codecs.get(key);
  if (codec === undefined) {
    codec = await loadCodec(task.codec, task.codecModule);
    codecs.set(key, codec);
  }
  return codec;
}

function compress(codec: Codec, task: CompressTask): ArrayBuffer {
  const pages = new Uint8Array(task.pages);
  const blocks: Uint8Array[] = [];
  const ns: number[] = [];
  const digests = new Int32Array(4 * task.count);
  for (let i = 0; i < task.count; i++) {
    const page = pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    const t0 = performance.now();
    blocks.push(codec.compress(page));
    ns.push((performance.now() - t0) * 1e6);
    digestPage(page, digests.subarray(4 * i, 4 * i + 4));
  }
  return packResult(blocks, ns, digests);
}

function digest(codec: Codec, task: DigestTask): ArrayBuffer {
  const blocks = unpackBlocks(task.blocks);
  const out = new Int32Array(4 * blocks.length);
  const page = new Uint8Array(PAGE_SIZE);
  blocks.forEach((block, i) => {
    codec.decompress(block, page);
    digestPage(page, out.subarray(4 * i, 4 * i + 4));
  });
  return out.buffer;
}

/** Dead codec buffers a worker may carry before it collects them (src/gc.ts): ~2 % of deflate's time. */
const DEAD_BUFFER_BYTES = 8 << 20;

export default async function run(task: PoolTask): Promise<unknown> {
  const codec = await codecFor(task);
  const reply = task.kind === 'compress' ? compress(codec, task) : digest(codec, task);
  collectDeadBuffers(DEAD_BUFFER_BYTES);
  return move(reply);
}
