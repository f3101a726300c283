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
import { compareCsv, formatCompare, selectColumns } from '../report/compare.js';
import { configLabels, swapLayoutArg } from '../report/figures.js';
import { PAGE_SIZE } from '../page.js';
import { writeHtmlReport } from '../report/html.js';
import { formatCorrupt } from '../report/summary.js';
import type { CliIo } from './io.js';
import { ZPOOLS } from '../mm/pools/zpool.js';
import { DEFAULT_KERNEL, PROFILES } from '../mm/profiles.js';
import { UsageError } from '../errors.js';
import { buildSettings, resolveRamPercent, parseChoice, parseInteger, parseKernel, parseList, parseSwapLayout, parseZpool, type MachineOptions } from './options.js';
import type { RunSettings } from '../sim/simulate.js';
import type { BackendName } from '../mm/tmem.js';
import { replayConfigurations } from './run.js';

/** The items --backends takes. */
const BACKEND_ITEMS = ['zswap', 'xen-tmem', 'zcache', 'zcache:1', 'zcache:2', 'ramster'] as const;

/** Options that belong to some backends only (SPEC §13): another backend's row leaves them out. */
const ONLY_FOR: [keyof CompareCliOptions, readonly BackendName[]][] = [
  ['xenMaxmem', ['xen-tmem']],
  ['xenHostFree', ['xen-tmem']],
  ['zcacheGen', ['zcache', 'ramster']],
  ['ramsterPeers', ['ramster']],
  ['ramsterTarget', ['ramster']],
  ['ramsterRemotify', ['ramster']],
  ['ramsterRttUs', ['ramster']],
  ['selfshrink', ['xen-tmem', 'ramster']],
  ['selfballoonInterval', ['xen-tmem', 'ramster']],
  ['frontswapHysteresis', ['xen-tmem', 'ramster']],
  ['frontswapInertia', ['xen-tmem', 'ramster']],
  ...(['zpool', 'maxPoolPercent', 'acceptThresholdPercent', 'limitPolicy', 'sameFilledPages', 'duplicate', 'exclusiveLoads', 'zswap'] as const).map(
    (k): [keyof CompareCliOptions, readonly BackendName[]] => [k, ['zswap']],
  ),
  ['poolInRam', ['zswap', 'zcache', 'ramster']],
];

/** compare's options as one backend's row takes them. */
function forBackend(opts: CompareCliOptions, backend: BackendName): CompareCliOptions {
  const o: CompareCliOptions = { ...opts, backend };
  delete o.backends;
  for (const [key, backends] of ONLY_FOR) if (!backends.includes(backend)) delete o[key];
  return o;
}

function labelOf(s: RunSettings): string {
  const m = s.machine;
  if (m.noBackend) return 'baseline';
  const t = m.tmem;
  if (t !== undefined && t.backend !== 'zswap') return `${t.backend}${t.zcacheGen !== null && t.backend === 'zcache' ? ` gen ${t.zcacheGen}` : ''} k${m.kernel}`;
  const zram = (m.zram ?? []).filter((z) => z !== null);
  const layout = swapLayoutArg(m.swapSlots.map((pages, type) => ({ bytes: pages * PAGE_SIZE, zram: (m.zram?.[type] ?? null) !== null })));
  const parts = [m.zswapEnabled ? `${s.compressor} ${m.zpool} ${m.max_pool_percent}%` : null, zram.length > 0 ? `zram ${zram.map((z) => z!.algorithm).join('+')}` : null];
  return `${parts.filter((p) => p !== null).join(' + ')} k${m.kernel} swap ${layout}`;
}

export interface CompareCliOptions extends MachineOptions {
  compressors: string;
  zpools?: string;
  swaps?: string[];
  csv?: string;
  html?: string;
  json?: boolean;
  quiet?: boolean;
  wide?: boolean;
  columns?: string;
  backends?: string;
}

export async function compareCommand(trace: string, given: CompareCliOptions, io: CliIo): Promise<number> {
  const opts = await resolveRamPercent(given, trace);
  if (opts.wide && opts.columns !== undefined) throw new UsageError('--wide and --columns cannot be used together: --wide shows every column');
  const columns = selectColumns(opts.wide ? 'wide' : opts.columns === undefined ? undefined : parseList(opts.columns, '--columns', (c) => c));
  const compressors = parseList(opts.compressors, '--compressors', (c) => parseCodecName(c, '--compressors').canonical, (c) => c);
  // In compare, --max-pool-percent, --kernel and --zpools take comma-separated lists.
  const limits = parseList(opts.maxPoolPercent ?? '20', '--max-pool-percent', (v) => String(parseInteger(v, '--max-pool-percent', 0)));
  const kernels = parseList(opts.kernel ?? DEFAULT_KERNEL, '--kernel', parseKernel);
  // every zpool must exist in every kernel compared: a profile without it is refused by name, not skipped
  const zpools = opts.zpools === undefined ? null : parseList(opts.zpools, '--zpools', (z) => parseChoice(z, '--zpools', ZPOOLS));
  for (const kernel of kernels) for (const z of zpools ?? []) parseZpool(z, kernel, '--zpools');
  // --swaps: device layouts compared side by side (each written as --swap is)
  if (opts.swaps !== undefined && opts.swap !== undefined) throw new UsageError('--swap and --swaps cannot be used together: give the layouts to compare with --swaps');
  const layouts = opts.swaps ?? [opts.swap ?? '256M'];
  if (layouts.length === 0) throw new UsageError('--swaps: the list of layouts is empty');
  const seen = new Set<string>();
  for (const l of layouts) {
    parseSwapLayout(l, '--swaps');
    if (seen.has(l)) throw new UsageError(`--swaps: '${l}' is listed twice`);
    seen.add(l);
  }
  // --backends: frontswap backends side by side (3.11); zcache:1 and zcache:2 name a generation
  const backends = opts.backends === undefined ? ['zswap'] : parseList(opts.backends, '--backends', (b) => parseChoice(b, '--backends', BACKEND_ITEMS));
  const configs: RunSettings[] = [];
  for (const kernel of kernels) {
    for (const swap of layouts) {
      for (const item of backends.filter((b) => b !== 'zswap')) {
        const [backend, gen] = item.split(':') as [BackendName, string | undefined];
        const own = forBackend(opts, backend);
        for (const compressor of backend === 'xen-tmem' ? [undefined] : compressors) {
          configs.push(buildSettings({ ...own, kernel, swap, compressor, backend, zcacheGen: gen ?? own.zcacheGen }, trace));
        }
      }
      if (!backends.includes('zswap')) continue;
      const hasZram = parseSwapLayout(swap, '--swaps').some((d) => d.zram);
      const zswapOn = opts.zswap === undefined ? !hasZram : opts.zswap === 'on';
      // a layout without zswap has no zpool or pool limit to vary; a fixed --zram-algorithm no compressor either
      const pools = zswapOn ? (zpools ?? [PROFILES[kernel].zpools[0]]) : [undefined];
      const limitsHere = zswapOn ? limits : [limits[0]];
      const compressorsHere = zswapOn || opts.zramAlgorithm === undefined ? compressors : [compressors[0]];
      for (const zpool of pools) {
        for (const maxPoolPercent of limitsHere) {
          for (const compressor of compressorsHere) {
            // the compressor of whatever compresses: zswap's, and the zram devices' unless --zram-algorithm sets them
            const zramAlgorithm = hasZram ? (opts.zramAlgorithm ?? compressor) : undefined;
            configs.push(buildSettings({ ...forBackend(opts, 'zswap'), kernel, zpool, maxPoolPercent, compressor, swap, zramAlgorithm }, trace));
          }
        }
      }
    }
  }
  // the baseline compresses nothing: the first layout's devices as plain disks, no zswap
  const plain = parseSwapLayout(layouts[0], '--swaps').map((d) => `${d.pages}p`).join(',');
  const baseline = buildSettings({ ...forBackend(opts, 'zswap'), kernel: kernels[0], zpool: zpools?.[0], compressor: compressors[0], maxPoolPercent: limits[0], swap: plain, zramAlgorithm: undefined, zramMemLimit: undefined, zswap: 'off' }, trace);
  baseline.machine.noBackend = true;

  // One read of the trace feeds every configuration; one pool serves them all.
  const all = [baseline, ...configs];
  const results = await replayConfigurations(trace, all.map((settings) => ({ settings, label: labelOf(settings) })), io, opts);
  const reports = results.map((r) => r.report);

  // files first: a file that cannot be written is status 2, with nothing printed
  if (opts.csv) await writeFileAtomic(opts.csv, compareCsv(reports));
  if (opts.html) await writeHtmlReport(opts.html, reports);
  if (opts.json) io.out(`${JSON.stringify(reports, null, 2)}\n`);
  else io.out(formatCompare(reports, io.outIsTTY && !io.env.NO_COLOR, columns));
  const labels = configLabels(reports);
  let corrupt = false;
  reports.forEach((r, i) => {
    if (r.verify.corrupt_loads > 0) {
      corrupt = true;
      io.err(`${labels[i]}: ${formatCorrupt(r)}`);
    }
  });
  return corrupt ? 1 : 0;
}
