/*
 * Verification (SPEC §9) as a side channel.
 *
 * The model decides what a load returns by reference — the Content a zswap
 * entry, a device copy or a zram slot was made from — and compares that
 * with the trace's content at once: a stale entry or a lost write shows
 * there, whatever the codec does. Every real decompression (a zswap load or
 * writeback, a zram read, the final check) is also checked, against the
 * Content it must equal, but the model does not wait for it: it is handed
 * to a Verifier, which decompresses in-process (--threads 0) or in the
 * workers, times it, and reports a mismatch against the load that made it.
 * Mismatches are folded into the report in trace order (each check carries
 * the sequence number of its load), so a corrupt load found late by a
 * worker is still reported at the line where it happened.
 */
import type { Codec } from '../compress/codec.js';
import { CompressorError, errorMessage } from '../errors.js';
import { PAGE_SIZE } from '../page.js';
import type { CompressionStats } from './compression.js';
import { bytesEqual, type Content } from './content.js';

export type LoadSource = 'zswap' | 'device' | 'device (no copy)' | 'zram' | 'zeromap' | 'xen-tmem' | 'zcache' | 'ramster' | 'cleancache' | 'disk';
export type LoadWhen = 'fault' | 'final check' | 'writeback' | 'selfshrink' | 'remotify';

/** Where a load happened: what a corrupt one is reported with. */
export interface LoadSite {
  /** Order of the load in the run, for reporting in trace order. */
  seq: number;
  as: number;
  vpn: number;
  type: number;
  offset: number;
  line: number;
  source: LoadSource;
  when: LoadWhen;
}

/** One decompression to do and check. */
export interface DecompressCheck {
  block: Uint8Array;
  codec: Codec;
  /** The bytes the decompression must give. */
  expected: Content;
  /** Where its time is recorded; null: not timed (the final check is not an access). */
  stats: CompressionStats | null;
  site: LoadSite;
}

export interface Verifier {
  check(c: DecompressCheck): void;
}

/** Decompresses a block into dst, turning a codec's failure into status 70. */
export function decompressBlock(codec: Codec, block: Uint8Array, dst: Uint8Array): void {
  try {
    codec.decompress(block, dst);
  } catch (e) {
    throw new CompressorError(`compressor ${codec.name} failed to decompress a ${block.length}-byte block: ${errorMessage(e)}`);
  }
}

/** Checks at once, in this thread (--threads 0). */
export class InProcessVerifier implements Verifier {
  private readonly scratch = new Uint8Array(PAGE_SIZE);
  constructor(private readonly onMismatch: (site: LoadSite) => void) {}

  check(c: DecompressCheck): void {
    const t0 = performance.now();
    decompressBlock(c.codec, c.block, this.scratch);
    c.stats?.recordDecompress((performance.now() - t0) * 1e6);
    if (!bytesEqual(this.scratch, c.expected.bytes)) this.onMismatch(c.site);
  }
}
