/*
 * The verification side channel in the worker pool (src/mm/verify.ts): the
 * machine hands every real decompression to this verifier, which sends
 * them to the workers in batches — one task per codec per batch, never one
 * per page — records each decompression's time where the machine said, and
 * reports the blocks that did not decompress to the page they must equal.
 * The model does not wait; `drain()` sends what is left and waits for every
 * answer before the report is taken. A worker that fails (a decompressor
 * that throws, a worker that dies) fails the run with status 70.
 */
import type { VerifyResult } from '../compress/protocol.js';
import type { DecompressCheck, LoadSite, Verifier } from '../mm/verify.js';

/** Where the decompressions go: CompressionPool.verifyBatch. */
export interface BatchVerifier {
  verifyBatch(codec: string, blocks: Uint8Array[], expected: Uint8Array[]): Promise<VerifyResult>;
}

/** Checks per task: a task's fixed cost (~30–50 µs) spread over many decompressions. */
const BATCH = 256;
/**
 * Tasks in flight at once (two per worker of a two-thread pool): each holds
 * a copy of its expected pages (1 MiB). Unbounded, a slow codec let them
 * pile up: +45 MB of peak RSS with deflate at two threads, most of it the
 * final check's burst.
 */
const MAX_PENDING = 4;

export class PoolVerifier implements Verifier {
  private queue: DecompressCheck[] = [];
  /** Batches waiting for a slot among the tasks in flight. */
  private readonly ready: { codec: string; checks: DecompressCheck[] }[] = [];
  private readonly pending = new Set<Promise<void>>();
  /** The first failure, rethrown by drain() and by the next check. */
  failure: unknown = null;

  constructor(
    private readonly pool: BatchVerifier,
    private readonly onMismatch: (site: LoadSite) => void,
  ) {}

  check(c: DecompressCheck): void {
    if (this.failure !== null) throw this.failure;
    this.queue.push(c);
    if (this.queue.length >= BATCH) this.flush();
  }

  /** Groups the queued checks into batches, one per codec, and sends what the in-flight bound allows. */
  flush(): void {
    if (this.queue.length === 0) return;
    const byCodec = new Map<string, DecompressCheck[]>();
    for (const c of this.queue) {
      const list = byCodec.get(c.codec.name);
      if (list === undefined) byCodec.set(c.codec.name, [c]);
      else list.push(c);
    }
    this.queue = [];
    for (const [codec, checks] of byCodec) this.ready.push({ codec, checks });
    this.pump();
  }

  /**
   * Sends ready batches while fewer than MAX_PENDING are in flight. A batch
   * waiting holds references only; its pages are copied when it is sent, so
   * a burst (the final check of thousands of entries) costs no more memory
   * than MAX_PENDING tasks.
   */
  private pump(): void {
    while (this.pending.size < MAX_PENDING && this.ready.length > 0) {
      const { codec, checks } = this.ready.shift()!;
      const done = this.pool.verifyBatch(codec, checks.map((c) => c.block), checks.map((c) => c.expected.bytes)).then(
        ({ ns, mismatch }) => {
          checks.forEach((c, i) => {
            c.stats?.recordDecompress(ns[i]);
            if (mismatch[i] !== 0) this.onMismatch(c.site);
          });
        },
        (e: unknown) => {
          this.failure ??= e;
        },
      );
      const tracked = done.finally(() => {
        this.pending.delete(tracked);
        if (this.failure === null) this.pump();
      });
      this.pending.add(tracked);
    }
  }

  /** When batches wait for a free slot: a promise that settles once one is answered (the replay waits for it). */
  backlog(): Promise<void> | null {
    if (this.ready.length === 0) return null;
    return Promise.race(this.pending).then(() => {
      if (this.failure !== null) throw this.failure;
    });
  }

  /** Every check answered; throws the first failure. */
  async drain(): Promise<void> {
    this.flush();
    while (this.pending.size > 0) await Promise.race(this.pending);
    if (this.failure !== null) throw this.failure;
  }
}
