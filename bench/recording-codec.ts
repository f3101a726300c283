/*
 * A codec module for ZSWAP_SIM_CODEC_MODULE (bench/pipeline): the registry's
 * codec, recording every page it compresses and every block it
 * decompresses, so that the bare-codec figure replays exactly the work a
 * run did (at --threads 0, where the main thread's codec does all of it).
 */
import type { Codec } from '../src/compress/codec.js';
import { createCodec as registryCodec } from '../src/compress/registry.js';

export interface Recording {
  compressed: Uint8Array[];
  decompressed: Uint8Array[];
}

export const recording: Recording = { compressed: [], decompressed: [] };

export function createCodec(name: string): Codec {
  const inner = registryCodec(name);
  return {
    name: inner.name,
    fits: inner.fits?.bind(inner),
    compress(page: Uint8Array): Uint8Array {
      recording.compressed.push(page);
      return inner.compress(page);
    },
    decompress(block: Uint8Array, dst: Uint8Array): void {
      recording.decompressed.push(block);
      inner.decompress(block, dst);
    },
  };
}
