/*
 * What a compressed store (zswap, or one zram device) reports about its
 * compressions (SPEC §11 `compression`): every compression performed —
 * whatever became of the page afterwards — with its real length (a page
 * that did not fit the kernel's one-page buffer counts with its full length
 * and in `overflowPages`), and the per-page times of compressions and of
 * the decompressions of loads and writebacks. Sizes are also kept without
 * the overflowing pages, whose lengths say nothing about what a pool holds.
 */
import { PAGE_SIZE } from '../page.js';
import { ExactHistogram, LogHistogram } from '../stats/histogram.js';

export class CompressionStats {
  pages = 0;
  overflowPages = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** Every compressed length. */
  readonly sizes = new ExactHistogram();
  /** The lengths of pages that fit the kernel's one-page buffer. */
  readonly storedSizes = new ExactHistogram();
  readonly compressNs = new LogHistogram();
  readonly decompressNs = new LogHistogram();
  /** Total time of every compression and decompression, ns. */
  compressNsTotal = 0;
  decompressNsTotal = 0;

  recordCompress(dlen: number, fits: boolean, ns: number): void {
    this.pages++;
    this.bytesIn += PAGE_SIZE;
    this.bytesOut += dlen;
    if (!fits) this.overflowPages++;
    else this.storedSizes.add(dlen);
    this.sizes.add(dlen);
    this.compressNs.add(ns);
    this.compressNsTotal += ns;
  }

  recordDecompress(ns: number): void {
    this.decompressNs.add(ns);
    this.decompressNsTotal += ns;
  }
}
