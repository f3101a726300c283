/*
 * Warming a codec up before the replay needs it.
 *
 * A JavaScript codec (fflate) runs in V8's interpreter until the JIT has
 * seen enough calls, and every worker isolate pays that on its own: measured
 * here, a fresh worker spent its first ~500 deflate pages at ~4 times the
 * steady cost, and its first inflates likewise. A worker therefore
 * compresses and decompresses a few hundred synthetic pages as soon as it
 * starts, while the main thread is still reading the trace up to the first
 * reclaim. The results are thrown away: nothing a replay stores or checks
 * comes from here, so the reports are unchanged.
 */
import { PAGE_SIZE } from '../page.js';
import { fillPage, type ContentKind } from '../trace/gen/content.js';
import { Rng } from '../trace/gen/random.js';
import type { Codec } from './codec.js';

/** Enough calls for V8 to optimise fflate's hot functions (measured: ~130). */
export const WARMUP_PAGES = 192;
/** …but a slow native codec (brotli:11) needs no JIT: stop after this long. */
const WARMUP_MS = 200;

const KINDS: readonly ContentKind[] = ['heap', 'text', 'index', 'numeric', 'random', 'heap'];

/** Compresses and decompresses `pages` synthetic pages; a codec that fails is left for the real work to report. */
export function warmUp(codec: Codec, pages = WARMUP_PAGES, budgetMs = WARMUP_MS): void {
  const rng = new Rng(0x5eed);
  const page = new Uint8Array(PAGE_SIZE);
  const back = new Uint8Array(PAGE_SIZE);
  const deadline = performance.now() + budgetMs;
  try {
    for (let i = 0; i < pages && performance.now() < deadline; i++) {
      fillPage(page, KINDS[i % KINDS.length], rng);
      codec.decompress(codec.compress(page), back);
    }
  } catch {
    // the first real task will fail the same way, with the run's context
  }
}
