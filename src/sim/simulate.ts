/*
 * Replaying a trace: the edge that joins the trace reader, the pure machines
 * (one per configuration, all fed from a single read) and optionally the
 * compression pool, and produces the reports and the exit statuses.
 *
 * In-process (--threads 0) each record goes straight from the reader to the
 * machine. With a pool, the reader runs ahead of the machine through a
 * bounded queue of record copies, so parsing overlaps with the workers'
 * compression of each reclaim batch; errors travel through the queue in
 * trace order, so the first stop in trace order still decides (an
 * out-of-memory stop at line 90 wins over a malformed line 100 that the
 * reader already saw).
 */
import type { Codec } from '../compress/codec.js';
import { loadCodec } from '../compress/registry.js';
import { CompressorError, EXIT, InputError, SimError } from '../errors.js';
import { Machine, type MachineConfig, type Page } from '../mm/replay.js';
import type { CompressedPage } from '../compress/codec.js';
import type { Content } from '../mm/content.js';
import { buildReport, type Report } from '../report/report.js';
import { Sampler } from '../report/series.js';
import type { TraceRecord } from '../trace/format.js';
import { readTrace } from '../trace/reader.js';

/** One configuration: the machine, the compressor's canonical name, the worker threads. */
export interface RunSettings {
  machine: MachineConfig;
  compressor: string;
  threads: number;
}

/** Compresses batches of pages somewhere else (a worker pool). */
export interface BatchCompressor {
  readonly threads: number;
  compressBatch(pages: Uint8Array[]): Promise<CompressedPage[]>;
}

export interface SimulateOptions {
  /** A module exporting `createCodec(name)` to use instead of the registry. */
  codecModule?: string;
  onProgress?: (fileBytesRead: number, records: number, swapouts: number) => void;
}

export interface SimResult {
  report: Report;
  exitCode: number;
  machine: Machine;
}

/** One configuration's replay: its machine, time series, compress-ahead, and the time it took. */
class Replay {
  readonly machine: Machine;
  readonly sampler = new Sampler();
  private readonly ahead: CompressAhead | null;
  records = 0;
  /** Milliseconds spent on this configuration's records (the shared reading excluded). */
  busyMs = 0;

  constructor(
    readonly settings: RunSettings,
    codec: Codec,
    readonly pool: BatchCompressor | undefined,
    private readonly tracePath: string,
    /** Names the configuration in errors when several replay together. */
    private readonly label: string | null,
  ) {
    this.machine = new Machine(settings.machine, codec);
    // the no-zswap baseline stores nothing in zswap: nothing to compress ahead
    this.ahead = pool === undefined || !settings.machine.zswapEnabled ? null : new CompressAhead(this.machine, pool);
  }

  /** Before a record: the compressions its reclaim will want, when a pool does them. */
  prepare(rec: TraceRecord): Promise<void> | null {
    if (this.ahead === null || !this.machine.willReclaim(rec) || !this.machine.zswap.likelyToCompress()) return null;
    return this.ahead.beforeReclaim().catch((e: unknown) => {
      throw this.labelled(e);
    });
  }

  step(rec: TraceRecord): void {
    try {
      this.machine.access(rec);
    } catch (e) {
      const located = e instanceof CompressorError ? new CompressorError(`${e.message} (at ${this.tracePath}:${rec.line})`) : e;
      throw this.labelled(located);
    }
    this.sampler.afterRecord(this.machine, ++this.records);
  }

  /** The final check, the report (wall time given), then swapoff. */
  async finish(readingMs: number): Promise<SimResult> {
    const t0 = performance.now();
    const machine = this.machine;
    machine.finalCheck();
    this.busyMs += performance.now() - t0;
    const wall = (this.busyMs + readingMs) / 1000;
    const report = buildReport(machine, this.settings.compressor, this.pool?.threads ?? 0, wall, this.sampler.finish(machine, this.records));
    machine.swapoffAll();
    return { report, machine, exitCode: machine.verify.corrupt_loads > 0 ? EXIT.corrupt : EXIT.ok };
  }

  private labelled(e: unknown): unknown {
    if (this.label !== null && e instanceof SimError && !(e instanceof InputError)) e.message = `configuration ${this.label}: ${e.message}`;
    return e;
  }
}

export interface Configuration {
  settings: RunSettings;
  pool?: BatchCompressor;
  /** Names the configuration in error messages. */
  label?: string;
}

/**
 * Replays one trace under several configurations at once, reading and
 * parsing it once: every record goes to every machine in turn. Each report's
 * wall time is its own replay plus the shared reading, as if it had run
 * alone. Memory is that of all the machines together.
 */
export async function simulateMany(tracePath: string, configurations: Configuration[], options: SimulateOptions = {}): Promise<SimResult[]> {
  const replays: Replay[] = [];
  for (const c of configurations) {
    const codec = await loadCodec(c.settings.compressor, options.codecModule);
    replays.push(new Replay(c.settings, codec, c.pool, tracePath, configurations.length > 1 ? (c.label ?? c.settings.compressor) : null));
  }
  const started = performance.now();
  // one replay's wall time is simply the time elapsed: only several need their own clocks
  const clocked = replays.length > 1;
  const progress = (bytes: number): void =>
    options.onProgress?.(bytes, replays[0].records, replays.reduce((s, r) => s + r.machine.io.swapouts, 0));

  const stepTimed = (r: Replay, rec: TraceRecord, t0: number): void => {
    r.step(rec);
    if (clocked) r.busyMs += performance.now() - t0;
  };
  /**
   * Steps a record through replays i, i+1, …: synchronously, as most records
   * need no compression, until one must wait for its reclaim's blocks; the
   * rest then follows that promise.
   */
  const stepFrom = (rec: TraceRecord, i: number): Promise<void> | null => {
    for (; i < replays.length; i++) {
      const r = replays[i];
      const t0 = clocked ? performance.now() : 0;
      const pending = r.prepare(rec);
      if (pending !== null) {
        const next = i + 1;
        return pending.then(() => {
          stepTimed(r, rec, t0);
          return stepFrom(rec, next) ?? undefined;
        });
      }
      stepTimed(r, rec, t0);
    }
    return null;
  };

  if (replays.every((r) => r.pool === undefined)) {
    await readTrace(
      tracePath,
      (rec) => {
        for (const r of replays) stepTimed(r, rec, clocked ? performance.now() : 0);
      },
      { onProgress: progress },
    );
  } else {
    await replayAhead(tracePath, (rec) => stepFrom(rec, 0), progress);
  }
  const readingMs = Math.max(0, performance.now() - started - replays.reduce((s, r) => s + r.busyMs, 0));
  const results: SimResult[] = [];
  for (const r of replays) results.push(await r.finish(readingMs));
  return results;
}

/** How far the reader may run ahead of the machine, in records. */
const QUEUE_HIGH = 512;
const QUEUE_LOW = 128;
const STOP = new Error('replay stopped');

type QueueItem = TraceRecord | Error | null;

async function replayAhead(tracePath: string, consume: (rec: TraceRecord) => Promise<void> | null, onProgress: (bytes: number) => void): Promise<void> {
  const queue: QueueItem[] = [];
  let head = 0;
  // Who waits: the machine for records, the reader for room in the queue.
  const waiting: { consumer: (() => void) | null; reader: (() => void) | null } = { consumer: null, reader: null };
  const wake = (who: 'consumer' | 'reader'): void => {
    const resolve = waiting[who];
    waiting[who] = null;
    resolve?.();
  };
  let stopped = false;

  const push = (item: QueueItem): void => {
    queue.push(item);
    wake('consumer');
  };

  const reading = readTrace(
    tracePath,
    (rec) => {
      if (stopped) throw STOP;
      push({ ...rec });
      if (queue.length - head >= QUEUE_HIGH) return new Promise<void>((resolve) => (waiting.reader = resolve));
    },
    { onProgress },
  ).then(
    () => push(null),
    (e: unknown) => {
      if (e !== STOP) push(e instanceof Error ? e : new Error(String(e)));
    },
  );

  try {
    for (;;) {
      if (head === queue.length) await new Promise<void>((resolve) => (waiting.consumer = resolve));
      const item = queue[head];
      queue[head++] = null;
      if (head >= 4096) {
        queue.splice(0, head);
        head = 0;
      }
      if (queue.length - head <= QUEUE_LOW) wake('reader');
      if (item === null) break;
      if (item instanceof Error) throw item;
      const pending = consume(item);
      if (pending !== null) await pending;
    }
  } finally {
    stopped = true;
    wake('reader');
    await reading;
  }
}

/** Reclaim batches compressed ahead: the current one, then this many more. */
const LOOKAHEAD_BATCHES = 8;
/**
 * Pages per batch sent to the pool, at most; the pool splits a batch among
 * its threads. Measured at two threads: 32-page tasks beat 8–16 for lz4 (a
 * task's fixed cost is ~70–100 µs of piscina round trip, lz4's ~17 µs a
 * page), and unsplit 64-page tasks balanced two deflate workers worse.
 */
const MAX_CHUNK = 64;

/**
 * Keeps the workers busy with the pages the next reclaim batches will store,
 * so the main thread replays records while they compress. Blocks come back
 * tagged with the Content they were made from; a page rewritten since, or
 * one that was not predicted, is compressed in-process at its eviction, so
 * predictions change the speed, never the results.
 */
class CompressAhead {
  private readonly inflight = new Map<Page, Promise<void>>();
  private failure: unknown = null;
  /** Pages per batch sent to the pool: the lookahead window shared among the threads, two batches each. */
  private readonly chunk: number;

  constructor(
    private readonly machine: Machine,
    private readonly pool: BatchCompressor,
  ) {
    const window = machine.config.reclaimBatch * LOOKAHEAD_BATCHES;
    this.chunk = Math.max(1, Math.min(MAX_CHUNK, Math.ceil(window / (2 * pool.threads))));
  }

  /**
   * Before a reclaim: queue the pages of the next batches, then wait for
   * those of this batch that are in flight. A page of this batch that was
   * not predicted is left to in-process compression at its eviction rather
   * than queued behind the lookahead: the main thread would only wait anyway.
   */
  async beforeReclaim(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    const batch = this.machine.config.reclaimBatch;
    const waits = new Set<Promise<void>>();
    for (const p of this.machine.nextVictims(batch)) {
      const w = this.inflight.get(p);
      if (w !== undefined) waits.add(w);
    }
    const room = batch * LOOKAHEAD_BATCHES - this.inflight.size;
    if (room >= this.chunk || this.inflight.size < this.chunk) {
      const ahead = this.machine.storeCandidates(batch, batch * LOOKAHEAD_BATCHES, this.inflight);
      const n = Math.min(ahead.length, room);
      // whole tasks only, unless the workers are about to run dry
      const submit = this.inflight.size < this.chunk ? n : n - (n % this.chunk);
      for (let i = 0; i < submit; i += this.chunk) this.submit(ahead.slice(i, Math.min(i + this.chunk, submit)));
    }
    if (waits.size > 0) await Promise.all(waits);
  }

  private submit(pages: Page[]): void {
    if (pages.length === 0) return;
    const contents: Content[] = pages.map((p) => p.content);
    const done = this.pool.compressBatch(contents.map((c) => c.bytes)).then(
      (blocks) => {
        pages.forEach((p, i) => {
          this.machine.supplyCompressed(p, contents[i], blocks[i]);
          this.inflight.delete(p);
        });
      },
      (e: unknown) => {
        this.failure ??= e;
        throw e;
      },
    );
    done.catch(() => {}); // surfaced by beforeReclaim
    for (const p of pages) this.inflight.set(p, done);
  }
}
