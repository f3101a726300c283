/*
 * Progress on stderr for long runs: the share of the trace's lines
 * replayed (not the file bytes read ahead of them), the records replayed by
 * every configuration, and an ETA from the elapsed time and that share. The
 * lines are counted in the background once the bar appears (gunzip and a
 * newline count: a fraction of the replay's cost); until then the share
 * shows as "?". One line of at most 80 columns, redrawn in
 * place, cleared when the run ends (the summary follows); a "checking"
 * state once the trace is read and the final check and report remain.
 * Shown only when stderr is a terminal, never with --json or --quiet, and
 * only once a run has taken more than a second; colours honour NO_COLOR.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { CliIo } from './io.js';

/** Delay before the bar appears (ms); ZSWAP_SIM_PROGRESS_DELAY_MS overrides it for tests. */
const DEFAULT_DELAY_MS = 1000;
/** The widest line drawn. */
export const PROGRESS_WIDTH = 80;
const BAR = 20;
const FRAME_MS = 100;

export interface Progress {
  update(line: number, records: number): void;
  /** The trace is read: the final check and the report remain. */
  finishing(): void;
  stop(): void;
}

const NONE: Progress = { update() {}, finishing() {}, stop() {} };

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One frame: label, bar, percent, records, ETA — at most PROGRESS_WIDTH columns. */
export function progressLine(label: string, fraction: number | null, records: number, etaSeconds: number | null, colour: boolean, state = ''): string {
  const name = label.length > 22 ? `${label.slice(0, 21)}…` : label;
  const f = fraction === null ? null : Math.min(1, Math.max(0, fraction));
  const filled = f === null ? 0 : Math.round(f * BAR);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}`;
  const pct = f === null ? '  ?%' : `${String(Math.floor(f * 100)).padStart(3)}%`;
  const tail = state !== '' ? state : etaSeconds === null ? 'ETA ?' : `ETA ${duration(etaSeconds)}`;
  const text = `${name} ${colour ? `\u001b[36m${bar}\u001b[0m` : bar} ${pct} ${records.toLocaleString('en-US')} records ${tail}`;
  return text;
}

/**
 * The share of the trace replayed, by lines; null until they are counted.
 * (The share of its text is no stand-in: `d` definitions and `b:` pages
 * make the text front-heavy — 95 % of it is read at 45 % of the lines of
 * traces/python-heap.trace.gz.)
 */
export function shareDone(line: number, lineTotal: number | null): number | null {
  return lineTotal === null || lineTotal === 0 ? null : Math.min(1, line / lineTotal);
}

export function progressFor(io: CliIo, file: string, label: string, opts: { json?: boolean; quiet?: boolean }): Progress {
  if (!io.errIsTTY || opts.json || opts.quiet) return NONE;
  const delay = Number(io.env.ZSWAP_SIM_PROGRESS_DELAY_MS ?? DEFAULT_DELAY_MS);
  const colour = io.env.NO_COLOR === undefined || io.env.NO_COLOR === '';
  const write = (s: string): void => {
    if (io.errStream) io.errStream.write(s);
    else io.err(s);
  };
  let lineTotal: number | null = null;
  let counting = false;
  const started = Date.now();
  let drawn = false;
  let lastFrame = 0;
  let last = { line: 0, records: 0 };
  /** The whole trace is replayed. */
  let read = false;
  const draw = (state = ''): void => {
    const elapsed = (Date.now() - started) / 1000;
    const f = read ? 1 : shareDone(last.line, lineTotal);
    // the ETA from the share done, once there is enough of it to extrapolate
    const eta = f === null || f < 0.01 ? null : (elapsed * (1 - Math.min(1, f))) / f;
    write(`\r${progressLine(label, f, last.records, eta, colour, state)}\u001b[K`);
    drawn = true;
  };
  return {
    update(line, records) {
      last = { line, records };
      const now = Date.now();
      if (now - started < delay || now - lastFrame < FRAME_MS) return;
      if (!counting) {
        counting = true;
        void countLines(file).then((n) => (lineTotal = n));
      }
      lastFrame = now;
      draw();
    },
    finishing() {
      if (Date.now() - started < delay) return;
      read = true;
      draw('checking…');
    },
    stop() {
      // the summary follows on a clean line: nothing stale stays on screen
      if (drawn) write('\r\u001b[K');
    },
  };
}

/** The lines of a trace (gunzipped when it is gzip), or null when it cannot be read whole. */
export async function countLines(file: string): Promise<number | null> {
  try {
    const raw = createReadStream(file, { highWaterMark: 1 << 20 });
    const head: Buffer = await new Promise((resolve, reject) => {
      createReadStream(file, { start: 0, end: 1 })
        .on('data', (c) => resolve(c as Buffer))
        .on('error', reject)
        .on('end', () => resolve(Buffer.alloc(0)));
    });
    const gzip = head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
    const text = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
    if (gzip) raw.on('error', (e) => text.destroy(e));
    let lines = 0;
    let lastByte = 0x0a;
    for await (const chunk of text as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines++;
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
    }
    return lastByte === 0x0a ? lines : lines + 1;
  } catch {
    return null;
  }
}
