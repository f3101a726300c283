/* `zswap-sim run TRACE`: one replay, a summary table or the JSON report. */
import { formatCorrupt, formatSummary } from '../report/summary.js';
import { simulate } from '../sim/simulate.js';
import { buildSettings, type MachineOptions } from './options.js';
import type { CliIo } from './io.js';

export interface RunCliOptions extends MachineOptions {
  json?: boolean;
  quiet?: boolean;
  html?: string;
}

export async function runCommand(trace: string, opts: RunCliOptions, io: CliIo): Promise<number> {
  const settings = buildSettings(opts, trace);
  const { report, exitCode } = await simulate(trace, settings);
  if (opts.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else io.out(formatSummary(report));
  if (report.verify.corrupt_loads > 0) io.err(formatCorrupt(report));
  return exitCode;
}
