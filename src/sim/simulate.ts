/*
 * One replay of one trace under one configuration: the edge that joins the
 * trace reader, the pure machine and (optionally) the compression pool, and
 * produces the report and the exit status.
 *
 * Records are replayed as they are read, so the first stop in trace order
 * decides: an error thrown by the machine (out of memory, BUG) ends the read,
 * and a malformed line ends the replay after every record before it.
 */
import { createCodec } from '../compress/registry.js';
import { EXIT } from '../errors.js';
import { Machine, type Page } from '../mm/replay.js';
import type { CompressedPage } from '../mm/zswap.js';
import { buildReport, type Report } from '../report/report.js';
import { readTrace } from '../trace/reader.js';
import type { RunSettings } from '../cli/options.js';

/** Compresses batches of pages somewhere else (a worker pool). */
export interface BatchCompressor {
  compressBatch(pages: Uint8Array[]): Promise<CompressedPage[]>;
}

export interface SimulateOptions {
  /** Compress reclaim batches here instead of in-process. */
  pool?: BatchCompressor;
  onProgress?: (fileBytesRead: number, records: number) => void;
  /** Called every `sampleEvery` records with the machine (time series). */
  onSample?: (machine: Machine, records: number) => void;
  sampleEvery?: number;
}

export interface SimResult {
  report: Report;
  exitCode: number;
  machine: Machine;
}

export async function simulate(tracePath: string, settings: RunSettings, options: SimulateOptions = {}): Promise<SimResult> {
  const machine = new Machine(settings.machine, createCodec(settings.compressor));
  const pool = options.pool;
  const sampleEvery = options.sampleEvery ?? 0;
  let records = 0;
  const started = performance.now();

  const afterRecord = (): void => {
    records++;
    if (sampleEvery > 0 && records % sampleEvery === 0) options.onSample?.(machine, records);
  };

  await readTrace(
    tracePath,
    (rec) => {
      if (pool !== undefined && machine.willReclaim(rec)) {
        const candidates = machine.storeCandidates();
        if (candidates.length > 0) {
          return pool.compressBatch(candidates.map((c) => c.content)).then((blocks) => {
            const prepared = new Map<Page, CompressedPage>();
            candidates.forEach((c, i) => prepared.set(c.page, blocks[i]));
            machine.supplyCompressed(prepared);
            machine.access(rec);
            afterRecord();
          });
        }
      }
      machine.access(rec);
      afterRecord();
    },
    { onProgress: (bytes) => options.onProgress?.(bytes, records) },
  );

  machine.finalCheck();
  const wall = (performance.now() - started) / 1000;
  const report = buildReport(machine, settings.compressor, settings.threads, wall);
  machine.swapoffAll();
  return { report, machine, exitCode: machine.verify.corrupt_loads > 0 ? EXIT.corrupt : EXIT.ok };
}
