/*
 * The main thread's side of the reader worker (workers/reader.ts): the
 * trace read and parsed in a thread of its own, its records replayed here
 * in order, each batch's credit returned once replayed. A problem in the
 * trace arrives in order after the records before it, and is thrown where
 * readTrace would have thrown it: the first stop in trace order decides.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError, InternalError } from '../errors.js';
import { BatchReader, type Batch } from '../trace/batch.js';
import type { TraceRecord } from '../trace/format.js';
import type { ReadOptions, ReadSummary } from '../trace/reader.js';

function readerWorkerFile(): string {
  const compiled = new URL('../../workers/reader.js', import.meta.url);
  if (import.meta.url.endsWith('.js') && existsSync(fileURLToPath(compiled))) return fileURLToPath(compiled);
  return fileURLToPath(new URL('../../dist/workers/reader.js', import.meta.url));
}

type Message =
  | { batch: Batch }
  | { end: ReadSummary }
  | { error: { file: string; line: number; problem: string } | { message: string } };

/** Reads a trace in the reader worker, calling onRecord for each record in order (a returned promise is awaited). */
export async function readTraceInWorker(
  file: string,
  onRecord: (rec: TraceRecord) => Promise<void> | null,
  options: ReadOptions = {},
): Promise<ReadSummary> {
  const worker = new Worker(readerWorkerFile(), { workerData: { file }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  const inbox: Message[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  worker.on('message', (m: Message) => {
    inbox.push(m);
    wake?.();
  });
  worker.on('error', (e) => {
    failure = e;
    wake?.();
  });
  worker.on('exit', (code) => {
    if (code !== 0) failure ??= new Error(`exited with code ${code}`);
    wake?.();
  });
  const reader = new BatchReader();
  try {
    for (;;) {
      while (inbox.length === 0) {
        if (failure !== null) throw new InternalError(`the trace reader thread failed: ${(failure as Error).message}`);
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
      const m = inbox.shift()!;
      if ('batch' in m) {
        options.onProgress?.();
        await reader.replay(m.batch, onRecord);
        worker.postMessage(0); // a credit: the reader may send another batch
      } else if ('end' in m) {
        return m.end;
      } else if ('problem' in m.error) {
        throw new InputError(m.error.file, m.error.line, m.error.problem);
      } else {
        throw new InternalError(`the trace reader thread failed: ${m.error.message}`);
      }
    }
  } finally {
    await worker.terminate();
  }
}
