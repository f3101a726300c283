/*
 * The `zswap-sim` command line (SPEC §10). `main` takes its arguments and an
 * io, and returns the exit status: only bin/zswap-sim.js touches
 * process.argv and process.exitCode, so tests drive the CLI in-process.
 *
 * Every error that ends a run is a SimError carrying its status; this is the
 * one place that turns it into a message. Anything else is a bug of ours:
 * status 70 with the stack.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT, SimError } from '../errors.js';
import { VERSION } from '../version.js';
import { processIo, type CliIo } from './io.js';
import { runCommand, type RunCliOptions } from './run.js';
import { traceGenCommand, traceInfoCommand, traceSnapshotCommand, WORKLOADS } from './trace.js';
import { compareCommand, type CompareCliOptions } from './compare.js';
import { COLUMN_KEYS } from '../report/compare.js';


/** Adds the machine options of SPEC §3–§8 to a command. */
export function addMachineOptions(cmd: Command, withCompressor = true): Command {
  cmd
    .option('--ram <size>', "RAM of the simulated machine (K, M, G, p suffixes), or N% of the trace's working set", '64M')
    .option('--swap <sizes>', 'swap devices, comma-separated sizes; zram:SIZE makes a zram device (default: 256M)')
    .option('--swap-prio <prios>', 'device priorities, one per device (default -1, -2, …)')
    .option('--kernel <version>', 'kernel profile: 3.11, 5.10, 6.1, 6.12 or 6.18 (default 6.12)');
  if (withCompressor) cmd.option('--compressor <name>', 'lz4, lzo, lzo-rle, zstd[:LEVEL], deflate[:LEVEL], deflate-kernel, … (see README) (default: lz4)');
  cmd
    .option('--zpool <name>', 'compressed pool allocator: zbud, z3fold or zsmalloc (profile default)')
    .option('--max-pool-percent <n>', 'pool limit, percent of RAM (default: 20)')
    .option('--accept-threshold-percent <n>', 'hysteresis after the pool was full, 0–100 (profile default 90)')
    .option('--limit-policy <policy>', 'sync-reclaim (3.11), reject-shrink (5.10, 6.1) or shrink-until-accept (6.12+) (profile default)')
    .option('--same-filled-pages <on|off>', 'store same-filled pages without compression (≤ 6.1; profile default)')
    .option('--duplicate <policy>', 'overwrite, replace, reject, bug or stale (profile default)')
    .option('--frontswap-dup <mode>', 'clear, invalidate-on-fail or invalidate-first (≤ 6.1; profile default)')
    .option('--zeromap <on|off>', 'zero pages go to the swap zeromap (6.12+; profile default)')
    .option('--exclusive-loads <on|off>', 'a zswap load frees the entry (profile default)')
    .option('--shrink-worker-pace <n|sync>', 'writebacks the 6.12+ shrink worker does per trace record (default 8)')
    .option('--backend <name>', 'the frontswap backend: zswap, xen-tmem, zcache or ramster (the others: --kernel 3.11; default zswap)')
    .option('--frontswap-writethrough <on|off>', 'a successful store also writes the device (3.11, 5.10; default off)')
    .option('--exclusive-gets <on|off>', 'a frontswap load frees the backend copy and dirties the page (3.11, 5.10; default off, on for zcache gen 2 and ramster)')
    .option('--xen-maxmem <size>', "xen-tmem: the domain's max_pages (default 2 × --ram)")
    .option('--xen-host-free <size>', 'xen-tmem: host memory free for tmem (default --ram)')
    .option('--zcache-gen <1|2>', 'zcache: generation 1 (2.6.39–3.8) or 2 (3.7–3.10) (default 2)')
    .option('--ramster-peers <list>', 'ramster: NODE:SIZE[:down@K],… (1–7 peers)')
    .option('--ramster-target <node>', 'ramster: the peer pages are remotified to (default the first)')
    .option('--ramster-remotify <classes>', 'ramster: pers,eph | pers | eph | none (default pers,eph)')
    .option('--ramster-rtt-us <n>', 'ramster: round trip of a remote get, µs, for the report (default 100)')
    .option('--selfshrink <on|off>', 'frontswap self-shrinking (default on for xen-tmem and ramster)')
    .option('--selfballoon-interval <s>', 'self-shrink tick, seconds of trace time (default 5)')
    .option('--frontswap-hysteresis <n>', 'self-shrink: shrink by 1/N a tick (default 20)')
    .option('--frontswap-inertia <n>', 'self-shrink: non-growing ticks before shrinking (default 3)')
    .option('--records-per-second <n>', 'trace time: records per second (default 200)')
    .option('--zswap <on|off>', 'zswap in front of the swap devices (default: off beside a zram device, else on)')
    .option('--zram-algorithm <names>', 'the zram devices\' compressor, or one per zram device (default lzo-rle)')
    .option('--zram-mem-limit <sizes>', 'the zram devices\' mem_limit, or one per zram device (default 0: none)')
    .option('--swapcache-write <mode>', 'free or keep the slot of a swap-cache page on write', 'free')
    .option('--reclaim-batch <n>', 'pages evicted per reclaim batch', '32')
    .option('--reclaim <policy>', 'victim selection: lru', 'lru')
    .option('--pool-in-ram <on|off>', 'pool pages take RAM frames (default: on; off for xen-tmem)')
    .option('--threads <n>', 'compression worker threads, 0 = in-process (default: CPUs)')
    .option('--check-invariants', 'check the model after every record (slow)')
    .option('--json', 'print the JSON report on stdout, nothing else')
    .option('--quiet', 'no progress display');
  return cmd;
}

/** The program; each command's action stores its exit status in `result`. */
function build(io: CliIo, result: { code: number }): Command {
  const program = new Command('zswap-sim')
    .description('Replay page-access traces through a model of the Linux compressed swap path — zswap (zbud, z3fold, zsmalloc) and zram, kernels 3.11 to 6.18 — compressing for real.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run with --help for usage)');

  addMachineOptions(program.command('run').argument('<trace>', 'trace file (text or gzip)').description('replay one trace under one configuration'))
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--verbose', 'every counter of the report in the summary')
    .action(async (trace: string, opts: RunCliOptions) => {
      result.code = await runCommand(trace, opts, io);
    });

  addMachineOptions(
    program
      .command('compare')
      .argument('<trace>', 'trace file (text or gzip)')
      .description('replay one trace under several configurations, side by side, with a no-zswap baseline'),
    false,
  )
    .option('--compressors <list>', 'comma-separated compressors (zswap, and zram without --zram-algorithm)', 'lz4,lzo-rle,zstd')
    .option('--zpools <list>', "comma-separated zpools (default: the profile's)")
    .option('--backends <list>', 'frontswap backends to compare (--kernel 3.11): zswap, xen-tmem, zcache, zcache:1, zcache:2, ramster')
    .option('--swaps <layouts...>', 'device layouts to compare, each as --swap takes it (e.g. 256M zram:64M zram:64M,256M)')
    .option('--csv <file>', 'write the table as CSV')
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--wide', 'every column of the table (wider than 100 columns)')
    .option('--columns <list>', `the table's columns, comma-separated: ${COLUMN_KEYS.join(', ')}`)
    .action(async (trace: string, opts: CompareCliOptions) => {
      result.code = await compareCommand(trace, opts, io);
    });

  const trace = program.command('trace').description('make and inspect traces');
  trace
    .command('gen')
    .argument('<workload>', `one of: ${Object.keys(WORKLOADS).join(', ')}`)
    .requiredOption('-o, --output <file>', 'trace to write (.gz: gzip)')
    .option('--seed <n>', 'random seed', '1')
    .option('--pages <n>', 'distinct pages in the working set')
    .option('--ops <n>', 'accesses after the initial writes')
    .option('--contents <trace>', "page contents drawn from this trace's pages (e.g. a snapshot) instead of synthesized")
    .description('write a synthetic trace')
    .action(async (workload: string, opts: { output: string; seed: string; pages?: string; ops?: string; contents?: string }) => {
      result.code = await traceGenCommand(workload, opts, io);
    });
  trace
    .command('info')
    .argument('<file>', 'trace file')
    .option('--json', 'print JSON')
    .description('summarise a trace')
    .action(async (file: string, opts: { json?: boolean }) => {
      result.code = await traceInfoCommand(file, opts, io);
    });
  trace
    .command('snapshot')
    .requiredOption('--pid <pid>', 'process to snapshot (Linux, needs ptrace permission)')
    .requiredOption('-o, --output <file>', 'trace to write (.gz: gzip)')
    .addOption(new Option('--pattern <pattern>', 'access pattern after the initial writes').choices(['zipf', 'scan']).default('zipf'))
    .option('--ops <n>', 'accesses after the initial writes', '20000')
    .option('--seed <n>', 'random seed', '1')
    .option('--max-pages <n>', 'at most this many pages, sampled evenly across the address space', '65536')
    .option('--pageout', 'after writing the pages, page each out (o records, in address order)')
    .option('--swapped', 'also take the pages the process has in swap (reading them swaps them back in)')
    .description("turn a live process's memory into a trace")
    .action(async (opts: { pid: string; output: string; pattern: string; ops: string; seed: string; maxPages: string; pageout?: boolean; swapped?: boolean }) => {
      result.code = await traceSnapshotCommand(opts, io);
    });
  return program;
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const result = { code: 0 };
  const program = build(io, result);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version end "with an error" in commander's exitOverride mode
      const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help';
      return ok ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof SimError) {
      io.err(`zswap-sim: ${e.message}\n`);
      return e.exitCode;
    }
    // a bug of ours: the message, and the stack only on request (users never see a stack trace)
    const detail = e instanceof Error ? (io.env.ZSWAP_SIM_DEBUG ? (e.stack ?? e.message) : e.message) : String(e);
    io.err(`zswap-sim: internal error: ${detail}${io.env.ZSWAP_SIM_DEBUG ? '' : ' (ZSWAP_SIM_DEBUG=1 shows where)'}\n`);
    return EXIT.internal;
  }
}
