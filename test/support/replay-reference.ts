/* Replays a kernel-reference run through the model: the corpus written, then paged out page by page with `o`. */
import type { Codec } from '../../src/compress/codec.js';
import { Content } from '../../src/mm/content.js';
import { Machine, type MachineConfig } from '../../src/mm/replay.js';
import type { TraceRecord } from '../../src/trace/format.js';
import type { ReferenceRun } from './kernel-reference.js';
import { machineConfig } from './machine.js';

export const COUNTERS = [
  'stored_pages',
  'same_filled_pages',
  'pool_total_size',
  'reject_compress_poor',
  'pool_limit_hit',
  'written_back_pages',
  'reject_alloc_kmemcache',
  'reject_reclaim_fail',
  'pswpout',
] as const;
export type Counters = Record<(typeof COUNTERS)[number], number>;

export function referenceMachine(run: Pick<ReferenceRun, 'kernel' | 'zpool' | 'maxPoolPercent' | 'totalramPages'>, codec: Codec, over: Partial<MachineConfig> = {}): Machine {
  const config = machineConfig({
    traceName: 'reference',
    ramPages: run.totalramPages,
    swapSlots: [16384],
    kernel: run.kernel,
    zpool: run.zpool,
    max_pool_percent: run.maxPoolPercent,
    accept_threshold_percent: 90,
    reclaimBatch: 32,
    poolInRam: true,
    checkInvariants: false,
    ...over,
  });
  return new Machine(config, codec);
}

export function counters(m: Machine): Counters {
  const s = m.zswap.stats;
  return {
    stored_pages: s.stored_pages,
    same_filled_pages: s.same_filled_pages,
    pool_total_size: m.zswap.poolTotalSize,
    reject_compress_poor: s.reject_compress_poor,
    pool_limit_hit: s.pool_limit_hit,
    written_back_pages: s.written_back_pages,
    reject_alloc_kmemcache: s.reject_alloc_fail,
    reject_reclaim_fail: s.reject_reclaim_fail,
    pswpout: m.io.pswpout,
  };
}

/** Writes the pages, then pages them out in order, returning the counters after each page-out. */
export function replayPageouts(m: Machine, pages: Uint8Array[]): Counters[] {
  let line = 0;
  const rec = (kind: 'w' | 'o', vpn: number, content?: Content): TraceRecord => ({ kind, line: ++line, as: 1, vpn, content: content ?? (undefined as unknown as Content), form: 'b', id: '' });
  pages.forEach((p, i) => m.access(rec('w', i, new Content(p))));
  const out: Counters[] = [];
  pages.forEach((_, i) => {
    m.access(rec('o', i));
    out.push(counters(m));
  });
  return out;
}

/** The first page where the model's counters differ from the kernel's, described; null if none. */
export function firstDifference(model: Counters[], kernel: Record<string, string>[], columns: readonly string[] = COUNTERS): string | null {
  for (let i = 0; i < kernel.length; i++) {
    for (const c of columns) {
      const want = Number(kernel[i][c]);
      const got = model[i][c as keyof Counters];
      if (got !== want) return `page ${kernel[i].page}: ${c} is ${got}, the kernel had ${want} (outcome ${kernel[i].outcome})`;
    }
  }
  return null;
}
