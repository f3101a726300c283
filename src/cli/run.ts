/* `zswap-sim run TRACE`: one replay, a summary table or the JSON report. */
import { CompressionPool } from '../compress/pool.js';
import { writeHtmlReport } from '../report/html.js';
import { formatCorrupt, formatSummary } from '../report/summary.js';
import { progressFor } from './progress.js';
import { simulateMany, type RunSettings, type SimResult } from '../sim/simulate.js';
import { buildSettings, resolveRamPercent, type MachineOptions } from './options.js';
import type { CliIo } from './io.js';

export interface RunCliOptions extends MachineOptions {
  json?: boolean;
  quiet?: boolean;
  html?: string;
  verbose?: boolean;
}

/**
 * A developer hook: a module exporting `createCodec(name)` replaces the
 * codec registry, in-process and in the workers (used by the failure tests).
 */
export const CODEC_MODULE_ENV = 'ZSWAP_SIM_CODEC_MODULE';

/** A developer hook: `on` or `off` forces the reader thread (src/sim/simulate.ts decides by default). */
export const READER_THREAD_ENV = 'ZSWAP_SIM_READER_THREAD';

/**
 * Replays the trace under the given configurations from one read, with one
 * worker pool for all of them (when --threads > 0) and a progress bar on a
 * terminal. `run` passes one configuration, `compare` several.
 */
export async function replayConfigurations(
  trace: string,
  configurations: { settings: RunSettings; label: string }[],
  io: CliIo,
  opts: { json?: boolean; quiet?: boolean },
): Promise<SimResult[]> {
  const codecModule = io.env[CODEC_MODULE_ENV] || undefined;
  const forced = io.env[READER_THREAD_ENV];
  const readerThread = forced === 'on' ? true : forced === 'off' ? false : undefined;
  const threads = configurations[0].settings.threads;
  const pool = threads > 0 ? new CompressionPool({ threads, codec: configurations[0].settings.compressor, codecModule }) : undefined;
  const label = configurations.length === 1 ? configurations[0].label : `${configurations.length} configurations`;
  const progress = progressFor(io, trace, label, opts);
  try {
    return await simulateMany(
      trace,
      configurations.map(({ settings, label }) => ({ settings, label, pool: pool?.forCodec(settings.compressor) })),
      { codecModule, readerThread, onProgress: (line, records) => progress.update(line, records), onReadDone: () => progress.finishing() },
    );
  } finally {
    progress.stop();
    await pool?.close();
  }
}

export async function runCommand(trace: string, given: RunCliOptions, io: CliIo): Promise<number> {
  const opts = await resolveRamPercent(given, trace);
  const settings = buildSettings(opts, trace);
  const [{ report, exitCode }] = await replayConfigurations(trace, [{ settings, label: settings.compressor }], io, opts);
  if (opts.html) await writeHtmlReport(opts.html, [report]);
  if (opts.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else io.out(formatSummary(report, opts.verbose === true));
  if (report.verify.corrupt_loads > 0) io.err(formatCorrupt(report));
  return exitCode;
}
