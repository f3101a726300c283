/*
 * Progress on stderr for long runs (cli-progress): records done, pages/s and
 * an ETA from the share of the trace file read. Shown only when stderr is a
 * terminal, never with --json or --quiet, and only once a run has taken
 * more than a second; colours honour NO_COLOR.
 */
import { statSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { CliIo } from './io.js';

/** Delay before the bar appears (ms); ZSWAP_SIM_PROGRESS_DELAY_MS overrides it for tests. */
const DEFAULT_DELAY_MS = 1000;

export interface Progress {
  update(fileBytesRead: number, records: number, swapouts: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

export function progressFor(io: CliIo, file: string, label: string, opts: { json?: boolean; quiet?: boolean }): Progress {
  if (!io.errIsTTY || opts.json || opts.quiet) return NONE;
  let total = 1;
  try {
    total = Math.max(1, statSync(file).size);
  } catch {
    return NONE;
  }
  const delay = Number(io.env.ZSWAP_SIM_PROGRESS_DELAY_MS ?? DEFAULT_DELAY_MS);
  const colour = io.env.NO_COLOR === undefined || io.env.NO_COLOR === '';
  const started = Date.now();
  let bar: SingleBar | null = null;
  return {
    update(bytes, records, swapouts) {
      if (bar === null) {
        if (Date.now() - started < delay) return;
        bar = new SingleBar({
          format: `${colour ? '\u001b[36m{bar}\u001b[0m' : '{bar}'} {percentage}% | ${label} | {records} records | {rate} swapouts/s | ETA {eta_formatted}`,
          stream: io.errStream ?? { write: (s: string) => io.err(s), isTTY: true } as unknown as NodeJS.WritableStream,
          noTTYOutput: true,
          hideCursor: false,
          etaBuffer: 50,
          fps: 10,
        });
        bar.start(total, 0, { records: 0, rate: 0 });
      }
      const secs = Math.max(0.001, (Date.now() - started) / 1000);
      bar.update(Math.min(bytes, total), { records: records.toLocaleString('en-US'), rate: Math.round(swapouts / secs).toLocaleString('en-US') });
    },
    stop() {
      bar?.update(total);
      bar?.stop();
    },
  };
}
