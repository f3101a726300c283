/*
 * Freeing dead ArrayBuffers sooner than V8 would, in the workers.
 *
 * V8 frees a typed array's backing store (memory outside its heap) only when
 * a collection runs, and forces one for such memory only after tens of MB
 * have piled up. A worker's heap allocates little while its codec's buffers
 * churn — fflate allocates ~185 KB of tables per page — so each worker
 * carried 25–40 MB of dead buffers (measured: bench/pipeline, peak RSS). A
 * minor collection once they pass a few MB frees them, for ~2 % of
 * deflate's time; codecs that allocate little seldom reach the bound.
 *
 * `gc` is reached the way test runners reach it (jest's leak detector): the
 * --expose-gc flag, set at run time, adds a `gc` function to the contexts
 * made afterwards and changes nothing else. The pool sets it before its
 * workers start, so their global context has `gc`; a thread that started
 * earlier takes it from a fresh context.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options: { type: 'minor' | 'major' }) => void;
let gc: Gc | null | undefined;

/**
 * Sets --expose-gc once, on the main thread, before workers start: their
 * contexts are then made with `gc`, and no thread changes V8's flags while
 * others run (the pool calls this).
 */
export function exposeGcToNewThreads(): void {
  setFlagsFromString('--expose-gc');
}

function gcFunction(): Gc | null {
  if (gc === undefined) {
    const own = (globalThis as { gc?: unknown }).gc;
    if (typeof own === 'function') gc = own as Gc;
    else {
      exposeGcToNewThreads();
      const f: unknown = runInNewContext('typeof gc === "function" ? gc : null');
      gc = typeof f === 'function' ? (f as Gc) : null;
    }
  }
  return gc;
}

/**
 * Runs a minor collection when this thread's memory outside the heap exceeds
 * `bytes`; true if it ran. Meant for a thread whose buffers are all
 * short-lived (a worker): the test is absolute, as a collection's freeing of
 * backing stores completes in the background, after it returns.
 */
export function collectDeadBuffers(bytes: number): boolean {
  if (getHeapStatistics().external_memory <= bytes) return false;
  const f = gcFunction();
  f?.({ type: 'minor' });
  return f !== null;
}

