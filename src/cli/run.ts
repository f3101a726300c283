/* `zswap-sim run TRACE`: one replay, a summary table or the JSON report. */
import { CompressionPool } from '../compress/pool.js';
import { writeHtmlReport } from '../report/html.js';
import { formatCorrupt, formatSummary } from '../report/summary.js';
import { progressFor } from './progress.js';
import { simulate, type RunSettings, type SimResult, type SimulateOptions } from '../sim/simulate.js';
import { buildSettings, type MachineOptions } from './options.js';
import type { CliIo } from './io.js';

export interface RunCliOptions extends MachineOptions {
  json?: boolean;
  quiet?: boolean;
  html?: string;
}

/**
 * A developer hook: a module exporting `createCodec(name)` replaces the
 * codec registry, in-process and in the workers (used by the failure tests).
 */
export const CODEC_MODULE_ENV = 'ZSWAP_SIM_CODEC_MODULE';

/** Runs one configuration with its own worker pool (when threads > 0). */
export async function simulateWithPool(
  trace: string,
  settings: RunSettings,
  io: CliIo,
  extra: Omit<SimulateOptions, 'pool' | 'codecModule'> = {},
): Promise<SimResult> {
  const codecModule = io.env[CODEC_MODULE_ENV] || undefined;
  const pool = settings.threads > 0 ? new CompressionPool({ threads: settings.threads, codec: settings.compressor, codecModule }) : undefined;
  try {
    return await simulate(trace, settings, { ...extra, pool, codecModule });
  } finally {
    await pool?.close();
  }
}

/** simulateWithPool with a progress bar on a terminal. */
export async function simulateShowing(trace: string, settings: RunSettings, io: CliIo, label: string, opts: { json?: boolean; quiet?: boolean }): Promise<SimResult> {
  const progress = progressFor(io, trace, label, opts);
  try {
    return await simulateWithPool(trace, settings, io, { onProgress: (bytes, records, swapouts) => progress.update(bytes, records, swapouts) });
  } finally {
    progress.stop();
  }
}

export async function runCommand(trace: string, opts: RunCliOptions, io: CliIo): Promise<number> {
  const settings = buildSettings(opts, trace);
  const { report, exitCode } = await simulateShowing(trace, settings, io, settings.compressor, opts);
  if (opts.html) await writeHtmlReport(opts.html, [report]);
  if (opts.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else io.out(formatSummary(report));
  if (report.verify.corrupt_loads > 0) io.err(formatCorrupt(report));
  return exitCode;
}
