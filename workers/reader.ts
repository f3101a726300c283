/*
 * The reader worker: reads and parses a trace (gunzip, base64, `d`
 * definitions — src/trace/reader.ts) off the main thread and hands the
 * records over in binary batches (src/trace/batch.ts), transferred, so the
 * main thread only runs the model. At most CREDITS batches are in flight:
 * the main thread returns a credit for each batch it has replayed, which
 * bounds the memory the reader can run ahead with.
 *
 * Messages to the main thread, in trace order: { batch } …, then
 * { end, lines, records, textBytes, gzip } or { error } (an InputError's
 * file, line and problem, or another error's message).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../src/errors.js';
import type { Content } from '../src/mm/content.js';
import { BatchWriter } from '../src/trace/batch.js';
import type { TraceRecord } from '../src/trace/format.js';
import { readTrace } from '../src/trace/reader.js';

export const CREDITS = 6;

const port = parentPort!;
const { file } = workerData as { file: string };
let credits = CREDITS;
let waiting: (() => void) | null = null;
port.on('message', () => {
  credits++;
  const w = waiting;
  waiting = null;
  w?.();
});

const writer = new BatchWriter();
const slotOf = new WeakMap<Content, number>();
let nextSlot = 0;

async function send(): Promise<void> {
  if (credits === 0) await new Promise<void>((resolve) => (waiting = resolve));
  credits--;
  const batch = writer.take();
  port.postMessage({ batch }, batch.pages === null ? [batch.records] : [batch.records, batch.pages]);
}

function onRecord(rec: TraceRecord): Promise<void> | undefined {
  const data = rec.kind === 'w' || rec.kind === 'd' || rec.kind === 'W' || rec.kind === 'I';
  const newBytes = data && (rec.form === 'b' || rec.form === 'f') ? rec.content.bytes : null;
  let ref = 0;
  let defSlot = 0;
  if (rec.kind === 'd') {
    defSlot = nextSlot++;
    slotOf.set(rec.content, defSlot);
  } else if (data && rec.form === '@') {
    ref = slotOf.get(rec.content)!;
  }
  writer.add(rec, newBytes, ref, defSlot);
  return writer.full ? send() : undefined;
}

try {
  const summary = await readTrace(file, onRecord);
  if (writer.count > 0) await send();
  port.postMessage({ end: summary });
} catch (e) {
  // the records read before the problem go first: the first stop in trace order decides
  if (writer.count > 0) await send();
  if (e instanceof InputError) port.postMessage({ error: { file: e.file, line: e.line, problem: e.problem } });
  else port.postMessage({ error: { message: e instanceof Error ? e.message : String(e) } });
}
