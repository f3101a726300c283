/*
 * The worker side of the compression pool: compresses a batch of pages with
 * one codec, timing each page where the work is done, and answers with one
 * transferred buffer (src/compress/protocol.ts). Codecs are made once per
 * worker and name.
 */
import { move } from 'piscina';
import type { Codec } from '../src/compress/codec.js';
import { createCodec } from '../src/compress/registry.js';
import { packResult, type CompressTask } from '../src/compress/protocol.js';
import { PAGE_SIZE } from '../src/page.js';

const codecs = new Map<string, Codec>();

async function codecFor(task: CompressTask): Promise<Codec> {
  const key = `${task.codecModule ?? ''}|${task.codec}`;
  let codec = codecs.get(key);
  if (codec === undefined) {
    if (task.codecModule) {
      const mod = (await import(task.codecModule)) as { createCodec(name: string): Codec };
      codec = mod.createCodec(task.codec);
    } else {
      codec = createCodec(task.codec);
    }
    codecs.set(key, codec);
  }
  return codec;
}

export default async function compressBatch(task: CompressTask): Promise<unknown> {
  const codec = await codecFor(task);
  const pages = new Uint8Array(task.pages);
  const blocks: Uint8Array[] = [];
  const ns: number[] = [];
  for (let i = 0; i < task.count; i++) {
    const page = pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    const t0 = performance.now();
    blocks.push(codec.compress(page));
    ns.push((performance.now() - t0) * 1e6);
  }
  return move(packResult(blocks, ns));
}
