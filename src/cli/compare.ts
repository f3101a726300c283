/*
 * `zswap-sim compare TRACE --compressors a,b,…`: the trace replayed under
 * every combination of compressor × zpool × pool limit × kernel, plus a
 * baseline with no zswap at all (same RAM and swap, every swap-out to the
 * device), printed side by side.
 *
 * The trace is read and parsed once: every record goes to every
 * configuration's machine in turn, and one worker pool compresses for all of
 * them. A stop in one configuration names it and ends the command with its
 * status; corrupt loads in any configuration end it with 1 after the table.
 */
import { parseCodecName } from '../compress/registry.js';
import { writeFileAtomic } from '../output.js';
import { compareCsv, configLabel, formatCompare } from '../report/compare.js';
import { writeHtmlReport } from '../report/html.js';
import { formatCorrupt } from '../report/summary.js';
import type { CliIo } from './io.js';
import { ZPOOLS } from '../mm/pools/zpool.js';
import { DEFAULT_KERNEL, PROFILES } from '../mm/profiles.js';
import { buildSettings, parseChoice, parseInteger, parseKernel, parseList, parseZpool, type MachineOptions } from './options.js';
import type { RunSettings } from '../sim/simulate.js';
import { replayConfigurations } from './run.js';

function labelOf(s: RunSettings): string {
  return s.machine.zswapEnabled ? `${s.compressor} ${s.machine.zpool} ${s.machine.max_pool_percent}% k${s.machine.kernel}` : 'baseline';
}

export interface CompareCliOptions extends MachineOptions {
  compressors: string;
  zpools?: string;
  csv?: string;
  html?: string;
  json?: boolean;
  quiet?: boolean;
}

export async function compareCommand(trace: string, opts: CompareCliOptions, io: CliIo): Promise<number> {
  const compressors = parseList(opts.compressors, '--compressors', (c) => parseCodecName(c, '--compressors').canonical, (c) => c);
  // In compare, --max-pool-percent, --kernel and --zpools take comma-separated lists.
  const limits = parseList(opts.maxPoolPercent ?? '20', '--max-pool-percent', (v) => String(parseInteger(v, '--max-pool-percent', 0)));
  const kernels = parseList(opts.kernel ?? DEFAULT_KERNEL, '--kernel', parseKernel);
  // every zpool must exist in every kernel compared: a profile without it is refused by name, not skipped
  const zpools = opts.zpools === undefined ? null : parseList(opts.zpools, '--zpools', (z) => parseChoice(z, '--zpools', ZPOOLS));
  for (const kernel of kernels) for (const z of zpools ?? []) parseZpool(z, kernel, '--zpools');
  const configs = [];
  for (const kernel of kernels) {
    for (const zpool of zpools ?? [PROFILES[kernel].zpools[0]]) {
      for (const maxPoolPercent of limits) {
        for (const compressor of compressors) {
          configs.push(buildSettings({ ...opts, kernel, zpool, maxPoolPercent, compressor }, trace));
        }
      }
    }
  }
  const baseline = buildSettings({ ...opts, kernel: kernels[0], zpool: zpools?.[0], compressor: compressors[0], maxPoolPercent: limits[0] }, trace);
  baseline.machine.zswapEnabled = false;

  // One read of the trace feeds every configuration; one pool serves them all.
  const all = [baseline, ...configs];
  const results = await replayConfigurations(trace, all.map((settings) => ({ settings, label: labelOf(settings) })), io, opts);
  const reports = results.map((r) => r.report);

  // files first: a file that cannot be written is status 2, with nothing printed
  if (opts.csv) await writeFileAtomic(opts.csv, compareCsv(reports));
  if (opts.html) await writeHtmlReport(opts.html, reports);
  if (opts.json) io.out(`${JSON.stringify(reports, null, 2)}\n`);
  else io.out(formatCompare(reports, io.outIsTTY && !io.env.NO_COLOR));
  let corrupt = false;
  for (const r of reports) {
    if (r.verify.corrupt_loads > 0) {
      corrupt = true;
      io.err(`${configLabel(r)}: ${formatCorrupt(r)}`);
    }
  }
  return corrupt ? 1 : 0;
}
