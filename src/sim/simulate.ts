/*
 * Replaying a trace: the edge that joins the trace reader, the pure machines
 * (one per configuration, all fed from a single read) and optionally the
 * worker pool, and produces the reports and the exit statuses.
 *
 * In-process (--threads 0) each record goes straight from the reader to the
 * machines, and every decompression is checked at once. With a pool the
 * pages reclaim will store — in zswap, or with zswap off in zram — are
 * compressed ahead in the workers, and
 * decompressions are checked there in batches (src/sim/pool-verifier.ts)
 * without the model waiting; when a core is left over beside the workers,
 * the trace is also read and parsed in a thread of its own
 * (src/sim/reader-thread.ts), so that this one only runs the model. Records and
 * stops still come in trace order, so the first stop in trace order
 * decides (an out-of-memory stop at line 90 wins over a malformed line 100
 * that the reader already saw); a mismatch found late is reported at the
 * line of its load.
 */
import { availableParallelism } from 'node:os';
import type { Codec, CompressedPage } from '../compress/codec.js';
import { loadCodec } from '../compress/registry.js';
import { CompressorError, EXIT, InputError, SimError } from '../errors.js';
import type { Content } from '../mm/content.js';
import { Machine, type MachineConfig, type Page } from '../mm/replay.js';
import { buildReport, type Report } from '../report/report.js';
import { Sampler } from '../report/series.js';
import type { TraceRecord } from '../trace/format.js';
import { readTrace } from '../trace/reader.js';
import { PoolVerifier, type BatchVerifier } from './pool-verifier.js';
import { readTraceInWorker } from './reader-thread.js';

/** One configuration: the machine, the compressor's canonical name, the worker threads. */
export interface RunSettings {
  machine: MachineConfig;
  compressor: string;
  threads: number;
}

/** Compresses batches of pages, and verifies decompressions, somewhere else (a worker pool). */
export interface BatchCompressor extends BatchVerifier {
  readonly threads: number;
  compressBatch(pages: Uint8Array[]): Promise<CompressedPage[]>;
  /** The same workers compressing with another codec (a zram device's algorithm). */
  forCodec(codec: string): BatchCompressor;
}

export interface SimulateOptions {
  /** A module exporting `createCodec(name)` to use instead of the registry. */
  codecModule?: string;
  /** Every few thousand lines: the line of the last record replayed, and the records replayed (by each configuration). */
  onProgress?: (line: number, records: number) => void;
  /** The whole trace is replayed: the final checks and the reports remain. */
  onReadDone?: () => void;
  /**
   * Parse the trace in a reader thread of its own. By default only when a
   * core is left over beside the main thread and the workers: measured on 2
   * cores, the thread's own parsing, batch encoding and hand-offs cost more
   * CPU than they take off the main thread (README, Performance).
   */
  readerThread?: boolean;
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
  /** The verification side channel in the workers (with a pool), else in-process. */
  private readonly verifier: PoolVerifier | null;
  records = 0;
  /** Milliseconds spent on this configuration's records (the shared reading excluded). */
  busyMs = 0;

  constructor(
    readonly settings: RunSettings,
    codec: Codec,
    codecFor: (name: string) => Codec,
    readonly pool: BatchCompressor | undefined,
    private readonly tracePath: string,
    /** Names the configuration in errors when several replay together. */
    private readonly label: string | null,
  ) {
    this.machine = new Machine(settings.machine, codec, codecFor);
    // swap-outs compress with zswap's codec, or with zswap off with zram's; the baseline compresses nothing
    const aheadCodec = this.machine.aheadCodec();
    this.ahead = pool === undefined || aheadCodec === null ? null : new CompressAhead(this.machine, pool.forCodec(aheadCodec));
    this.verifier = pool === undefined ? null : new PoolVerifier(pool, (site) => this.machine.recordCorrupt(site));
    if (this.verifier !== null) this.machine.setVerifier(this.verifier);
  }

  /** Before a record: the compressions its reclaim will want, when a pool does them. */
  prepare(rec: TraceRecord): Promise<void> | null {
    if (this.verifier !== null) {
      if (this.verifier.failure) throw this.labelled(this.verifier.failure);
      const backlog = this.verifier.backlog();
      if (backlog !== null) {
        return backlog.then(
          () => this.prepare(rec) ?? undefined,
          (e: unknown) => {
            throw this.labelled(e);
          },
        );
      }
    }
    if (this.ahead === null || !this.machine.willReclaim(rec) || !this.machine.likelyToCompress()) return null;
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
    try {
      await this.verifier?.drain();
    } catch (e) {
      throw this.labelled(e);
    }
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
  // every codec a configuration names (zswap's, and its zram devices'), loaded once
  const codecs = new Map<string, Codec>();
  for (const c of configurations) {
    for (const name of [c.settings.compressor, ...(c.settings.machine.zram ?? []).map((z) => z?.algorithm)]) {
      if (name !== undefined && !codecs.has(name)) codecs.set(name, await loadCodec(name, options.codecModule));
    }
  }
  const codecFor = (name: string): Codec => codecs.get(name)!;
  const replays: Replay[] = [];
  for (const c of configurations) {
    replays.push(new Replay(c.settings, codecFor(c.settings.compressor), codecFor, c.pool, tracePath, configurations.length > 1 ? (c.label ?? c.settings.compressor) : null));
  }
  const started = performance.now();
  // one replay's wall time is simply the time elapsed: only several need their own clocks
  const clocked = replays.length > 1;
  let line = 0;
  const progress = (): void => options.onProgress?.(line, replays[0].records);

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
    line = rec.line;
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

  const threads = Math.max(0, ...replays.map((r) => r.pool?.threads ?? 0));
  if (options.readerThread ?? (threads > 0 && availableParallelism() >= threads + 2)) {
    // parsing in a thread of its own: this one only runs the model
    await readTraceInWorker(tracePath, (rec) => stepFrom(rec, 0), { onProgress: progress });
  } else {
    await readTrace(tracePath, (rec) => stepFrom(rec, 0) ?? undefined, { onProgress: progress });
  }
  options.onReadDone?.();
  const readingMs = Math.max(0, performance.now() - started - replays.reduce((s, r) => s + r.busyMs, 0));
  const results: SimResult[] = [];
  for (const r of replays) results.push(await r.finish(readingMs));
  return results;
}

/** Reclaim batches compressed ahead beyond the current one. */
const LOOKAHEAD_BATCHES = 16;
/**
 * Pages per compression task. A task costs the main thread ~30–50 µs of
 * piscina round trip whatever its size, about what lz4 spends on three
 * pages: tasks are sent whole, and the pages of the current batch that were
 * not predicted are compressed in-process at their eviction instead.
 */
const CHUNK = 64;

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

  constructor(
    private readonly machine: Machine,
    private readonly pool: BatchCompressor,
  ) {}

  /**
   * Before a reclaim: send whole tasks of the pages the next batches will
   * store, then wait for those of this batch that are in flight.
   */
  async beforeReclaim(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    const batch = this.machine.config.reclaimBatch;
    const waits = new Set<Promise<void>>();
    for (const p of this.machine.nextVictims(batch)) {
      const w = this.inflight.get(p);
      if (w !== undefined) waits.add(w);
    }
    const window = batch * LOOKAHEAD_BATCHES;
    if (window - this.inflight.size >= CHUNK) {
      const ahead = this.machine.storeCandidates(batch, window);
      const n = Math.min(ahead.length, window - this.inflight.size);
      for (let i = 0; i + CHUNK <= n; i += CHUNK) this.submit(ahead.slice(i, i + CHUNK));
    }
    if (waits.size > 0) await Promise.all(waits);
  }

  private submit(pages: Page[]): void {
    const contents: Content[] = pages.map((p) => this.machine.requestAhead(p));
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
