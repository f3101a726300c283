/*
 * The worker side of the compression pool (src/compress/protocol.ts):
 *  - compress: a batch of pages with one codec, each page timed where the
 *    work is done, answered with one transferred buffer;
 *  - verify: decompress blocks, each timed, and compare each with the page
 *    it must equal (the verification side channel).
 * Codecs are made once per worker and name. (Warming them up on synthetic
 * pages as a worker starts was measured and dropped: it competed with the
 * replay's start for the cores and made runs 2–8 % slower.)
 */
import { move } from 'piscina';
import { compressPage, type Codec, type CompressedPage } from '../src/compress/codec.js';
import { loadCodec } from '../src/compress/registry.js';
import { packResult, packVerifyResult, unpackBlocks, type CompressTask, type PoolTask, type VerifyTask } from '../src/compress/protocol.js';
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
  const out: CompressedPage[] = [];
  for (let i = 0; i < task.count; i++) out.push(compressPage(codec, pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)));
  return packResult(out);
}

function verify(codec: Codec, task: VerifyTask): ArrayBuffer {
  const blocks = unpackBlocks(task.blocks);
  const expected = new Uint8Array(task.pages);
  const page = new Uint8Array(PAGE_SIZE);
  const ns: number[] = [];
  const mismatch: boolean[] = [];
  blocks.forEach((block, i) => {
    const t0 = performance.now();
    codec.decompress(block, page);
    ns.push((performance.now() - t0) * 1e6);
    mismatch.push(Buffer.compare(page, expected.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)) !== 0);
  });
  return packVerifyResult(ns, mismatch);
}

/** Dead codec buffers a worker may carry before it collects them (src/gc.ts): ~2 % of deflate's time. */
const DEAD_BUFFER_BYTES = 8 << 20;

export default async function run(task: PoolTask): Promise<unknown> {
  const codec = await codecFor(task);
  const reply = task.kind === 'compress' ? compress(codec, task) : verify(codec, task);
  collectDeadBuffers(DEAD_BUFFER_BYTES);
  return move(reply);
}
