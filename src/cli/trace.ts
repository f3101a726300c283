/* `zswap-sim trace gen | info | snapshot`. */
import { createHash } from 'node:crypto';
import Table from 'cli-table3';
import { readTrace } from '../trace/reader.js';
import { UsageError } from '../errors.js';
import { WORKLOADS, generateWorkload } from '../trace/gen/workloads.js';
import { traceInfo } from '../trace/info.js';
import { snapshotProcess, type SnapshotResult } from '../trace/snapshot.js';
import { TraceWriter } from '../trace/writer.js';
import { formatBytes } from '../report/summary.js';
import type { CliIo } from './io.js';
import { parseChoice, parseInteger } from './options.js';

export { WORKLOADS };

/** Runs a writer to completion, or removes its temporary file. */
async function writeTrace(file: string, fill: (w: TraceWriter) => Promise<void>, dedup: boolean): Promise<TraceWriter> {
  const w = new TraceWriter(file, { dedup });
  try {
    await fill(w);
    await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
  return w;
}

/** The distinct page contents a trace writes (`w` and `d`), in order of first appearance. */
async function traceContents(file: string): Promise<Uint8Array[]> {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  await readTrace(file, (rec) => {
    if (rec.kind !== 'w' && rec.kind !== 'd') return;
    const key = createHash('sha1').update(rec.content.bytes).digest('base64');
    if (seen.has(key)) return;
    seen.add(key);
    out.push(rec.content.bytes);
  });
  return out;
}

export async function traceGenCommand(
  workload: string,
  opts: { output: string; seed: string; pages?: string; ops?: string; contents?: string },
  io: CliIo,
): Promise<number> {
  const name = parseChoice(workload, 'workload', Object.keys(WORKLOADS));
  const wl = WORKLOADS[name];
  const params = {
    seed: parseInteger(opts.seed, '--seed', 0, 2 ** 32 - 1),
    pages: opts.pages === undefined ? wl.defaults.pages : parseInteger(opts.pages, '--pages', 1, 1 << 26),
    ops: opts.ops === undefined ? wl.defaults.ops : parseInteger(opts.ops, '--ops', 0),
    contents: opts.contents === undefined ? undefined : await traceContents(opts.contents),
  };
  if (params.contents !== undefined && params.contents.length === 0) throw new UsageError(`--contents: ${opts.contents} writes no page`);
  const w = await writeTrace(opts.output, (w) => generateWorkload(name, w, params), true);
  const from = params.contents === undefined ? '' : `, contents: ${params.contents.length.toLocaleString('en-US')} pages of ${opts.contents}`;
  io.err(`wrote ${opts.output}: ${w.recordsWritten.toLocaleString('en-US')} records (${name}, ${params.pages} pages, ${params.ops} ops, seed ${params.seed}${from})\n`);
  return 0;
}

export async function traceInfoCommand(file: string, opts: { json?: boolean }, io: CliIo): Promise<number> {
  const info = await traceInfo(file);
  if (opts.json) {
    io.out(`${JSON.stringify(info, null, 2)}\n`);
    return 0;
  }
  const t = new Table({ head: [file, ''], style: { head: [], border: [], compact: true }, colAligns: ['left', 'right'] });
  const n = (v: number): string => v.toLocaleString('en-US');
  t.push(
    ['format', info.gzip ? 'gzip' : 'text'],
    ['lines', n(info.lines)],
    // file records only when the trace has some: most traces are anonymous memory only
    ...Object.entries(info.records)
      .filter(([k, v]) => k === k.toLowerCase() || v > 0)
      .map(([k, v]) => [`${k} records`, n(v)]),
    ...(info.filesystems > 0 ? [['filesystems / files written', `${n(info.filesystems)} / ${n(info.files_written)}`]] : []),
    ['address spaces', n(info.address_spaces)],
    ['distinct pages', n(info.distinct_pages)],
    ['written pages: zero / same-filled / other', `${n(info.content.zero)} / ${n(info.content.same_filled)} / ${n(info.content.other)}`],
    ['DATA forms z / f: / b: / @', `${n(info.data_forms.z)} / ${n(info.data_forms.f)} / ${n(info.data_forms.b)} / ${n(info.data_forms['@'])}`],
    ['page data written', formatBytes(info.page_data_bytes)],
    ['working set (peak live pages)', `${n(info.working_set_pages)} (${formatBytes(info.working_set_bytes)})`],
  );
  io.out(`${t.toString()}\n`);
  return 0;
}

export async function traceSnapshotCommand(
  opts: { pid: string; output: string; pattern: string; ops: string; seed: string; maxPages: string; pageout?: boolean; swapped?: boolean },
  io: CliIo,
): Promise<number> {
  if (process.platform !== 'linux') throw new UsageError('trace snapshot needs Linux (/proc/PID/pagemap)');
  const o = {
    pid: parseInteger(opts.pid, '--pid', 1, 2 ** 22),
    pattern: parseChoice(opts.pattern, '--pattern', ['zipf', 'scan'] as const),
    ops: parseInteger(opts.ops, '--ops', 0),
    seed: parseInteger(opts.seed, '--seed', 0, 2 ** 32 - 1),
    maxPages: parseInteger(opts.maxPages, '--max-pages', 1),
    pageout: opts.pageout === true,
    swapped: opts.swapped === true,
    procRoot: io.env.ZSWAP_SIM_PROC_ROOT || undefined,
  };
  let got: SnapshotResult = { pages: 0, inSwap: 0, swappedTaken: false };
  await writeTrace(opts.output, async (w) => {
    got = await snapshotProcess(w, o);
  }, true);
  const n = (v: number): string => v.toLocaleString('en-US');
  io.err(`wrote ${opts.output}: ${n(got.pages)} pages of PID ${o.pid}${o.pageout ? ', each paged out' : ''}, then ${o.ops} ${o.pattern} reads\n`);
  if (got.inSwap > 0) {
    io.err(
      got.swappedTaken
        ? `  ${n(got.inSwap)} of them were in swap: reading them swapped them back in\n`
        : `  ${n(got.inSwap)} more of the process's pages are in swap and were left out (often its coldest); --swapped takes them, reading them swaps them back in\n`,
    );
  }
  return 0;
}
