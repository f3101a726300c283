/*
 * The compression pool (piscina): batches of pages go to worker threads as
 * transferred buffers, split into one task per thread, and come back as
 * compressed blocks with per-page timings taken in the worker.
 *
 * Failures end the run: a compressor that throws, a worker that exits, a
 * worker module that cannot load — each rejects the batch, and the pool
 * turns it into a CompressorError with the cause.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { CompressorError, errorMessage } from '../errors.js';
import { exposeGcToNewThreads } from '../gc.js';
import type { BatchCompressor } from '../sim/simulate.js';
import type { CompressedPage } from './codec.js';
import { packBlocks, packPages, unpackResult, unpackVerifyResult, type CompressTask, type VerifyResult, type VerifyTask } from './protocol.js';

/** The compiled worker: beside us in dist/, or in dist/ when we run from source (tests). */
export function defaultWorkerFile(): string {
  const compiled = new URL('../../workers/compress.js', import.meta.url);
  if (import.meta.url.endsWith('.js') && existsSync(fileURLToPath(compiled))) return fileURLToPath(compiled);
  return fileURLToPath(new URL('../../dist/workers/compress.js', import.meta.url));
}

export interface PoolOptions {
  threads: number;
  /** The codec of compressBatch/digestBlocks; forCodec() binds others to the same workers. */
  codec: string;
  codecModule?: string;
  workerFile?: string;
}

export class CompressionPool implements BatchCompressor {
  private readonly piscina: Piscina;
  private failure: CompressorError | null = null;

  /** Worker threads actually started: --threads, at most 4 per CPU. */
  readonly workers: number;

  constructor(private readonly options: PoolOptions) {
    this.workers = Math.max(1, Math.min(options.threads, 4 * availableParallelism()));
    exposeGcToNewThreads(); // the workers collect their codecs' dead buffers (src/gc.ts)
    this.piscina = new Piscina({
      filename: options.workerFile ?? defaultWorkerFile(),
      minThreads: this.workers,
      maxThreads: this.workers,
      idleTimeout: 60_000,
      // Piscina hands a worker its next task when the main thread handles the
      // previous one's reply, and the replay keeps the main thread busy: let
      // each worker hold a queue of tasks so it never waits for us.
      concurrentTasksPerWorker: 16,
      // Measured here: with piscina's default synchronous Atomics waits, two
      // busy workers each spent ~20 % more time per deflate page than one;
      // with plain message passing, ~5 %.
      atomics: 'disabled',
      // A worker's heap holds little that lives: V8's default young
      // generation (tens of MB each) only adds RSS. Measured on a 46 MB
      // machine, 2 MB kept two workers' peak RSS ~50 MB lower for ~2 % of
      // deflate throughput.
      resourceLimits: { maxYoungGenerationSizeMb: 2 },
    });
    // A worker that dies between tasks must not go unnoticed either.
    this.piscina.on('error', (e: unknown) => {
      this.failure ??= new CompressorError(`compression worker failed: ${errorMessage(e)}`);
    });
  }

  get threads(): number {
    return this.options.threads;
  }

  /** The same workers for another codec (compare shares one pool among its configurations). */
  forCodec(codec: string): BatchCompressor {
    return {
      threads: this.threads,
      compressBatch: (pages) => this.compressBatch(pages, codec),
      verifyBatch: (name, blocks, expected) => this.verifyBatch(name, blocks, expected),
      forCodec: (other) => this.forCodec(other),
    };
  }

  /** Decompresses blocks with a codec and compares each with its expected page, in one task. */
  async verifyBatch(codec: string, blocks: Uint8Array[], expected: Uint8Array[]): Promise<VerifyResult> {
    if (this.failure) throw this.failure;
    const task: VerifyTask = { kind: 'verify', codec, codecModule: this.options.codecModule, blocks: packBlocks(blocks), pages: packPages(expected) };
    const [reply] = await this.settle([this.piscina.run(task, { transferList: [task.blocks, task.pages] }) as Promise<ArrayBuffer>], codec);
    return unpackVerifyResult(reply);
  }

  /** Compresses a batch of pages in one task (the caller sizes batches so that the threads share them). */
  async compressBatch(pages: Uint8Array[], codec = this.options.codec): Promise<CompressedPage[]> {
    if (this.failure) throw this.failure;
    const task: CompressTask = { kind: 'compress', codec, codecModule: this.options.codecModule, pages: packPages(pages), count: pages.length };
    const [result] = await this.settle([this.piscina.run(task, { transferList: [task.pages] }) as Promise<ArrayBuffer>], codec);
    return unpackResult(result);
  }

  private async settle(runs: Promise<ArrayBuffer>[], codec: string): Promise<ArrayBuffer[]> {
    try {
      return await Promise.all(runs);
    } catch (e) {
      throw (this.failure ??= new CompressorError(`compression worker failed (compressor ${codec}): ${errorMessage(e)}`));
    }
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
