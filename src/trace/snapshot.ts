/*
 * `trace snapshot`: a live process's memory as a trace (Linux).
 *
 * The pages zswap could receive are those of private writable mappings
 * (heap, stack, anonymous memory, written data of mapped files) and of
 * shared anonymous mappings. /proc/PID/maps lists the mappings,
 * /proc/PID/pagemap says which pages are present (bit 63) or in swap
 * (bit 62), and /proc/PID/mem gives their bytes (reading it needs ptrace
 * permission: the same user with a permissive ptrace_scope, or root).
 * Pages in swap are left out (and counted) unless asked for: reading one
 * through /proc/PID/mem swaps it back in, which changes the process one
 * measures — but on a machine that already swaps they are often the
 * process's coldest pages. Each page taken
 * becomes one `w` record, in address order; with `pageout`, each is then
 * paged out with an `o` record in address order (what zswap would keep of
 * this process); an access pattern over those pages follows. Pages that
 * cannot be read (guard pages, races with the running process) are skipped.
 * A kernel thread (PF_KTHREAD in /proc/PID/stat) has no user memory: that
 * is said, not taken for a missing process.
 */
import { open, readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { PAGE_SIZE } from '../page.js';
import { Rng, Zipf } from './gen/random.js';
import type { TraceWriter } from './writer.js';

export interface Mapping {
  start: number;
  end: number;
  perms: string;
  inode: number;
  path: string;
}

export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+\S+\s+\S+\s+(\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), perms: m[3], inode: Number(m[4]), path: m[5] });
  }
  return out;
}

/** Private writable, or shared anonymous: what reaches swap. */
export function isSwappable(m: Mapping): boolean {
  if (m.perms[0] !== 'r' || m.perms[1] !== 'w') return false;
  if (m.path === '[vvar]' || m.path === '[vsyscall]' || m.path === '[vdso]') return false;
  return m.perms[3] === 'p' || m.inode === 0 || m.path.startsWith('/dev/zero') || m.path.startsWith('/SYSV');
}

export interface SnapshotOptions {
  pid: number;
  pattern: 'zipf' | 'scan';
  ops: number;
  seed: number;
  maxPages: number;
  /** Page every page out (`o`, in address order) after writing them all. */
  pageout?: boolean;
  /** Take the pages in swap too (reading them swaps them in). */
  swapped?: boolean;
  /** Where procfs is mounted (tests use a fake tree). */
  procRoot?: string;
}

/** PF_KTHREAD in the flags field of /proc/PID/stat. */
const PF_KTHREAD = 0x00200000;

/** The process's name and whether it is a kernel thread, from /proc/PID/stat. */
async function processStat(root: string, pid: number): Promise<{ comm: string; kernelThread: boolean }> {
  let stat: string;
  try {
    stat = await readFile(`${root}/${pid}/stat`, 'utf8');
  } catch (e) {
    throw procError(root, pid, 'stat', e);
  }
  // "PID (comm) state ppid pgrp session tty_nr tpgid flags …": comm may hold spaces and parentheses
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const flags = Number(stat.slice(close + 2).split(' ')[6]);
  return { comm, kernelThread: (flags & PF_KTHREAD) !== 0 };
}

function procError(root: string, pid: number, what: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  const file = `${root}/${pid}/${what}`;
  if (code === 'ENOENT') return new InputError(file, 0, `no process with PID ${pid}`);
  if (code === 'ESRCH') return new InputError(file, 0, `PID ${pid} has no user memory to read (it exited, or it is a kernel thread)`);
  if (code === 'EACCES' || code === 'EPERM') {
    return new InputError(file, 0, `permission denied: reading another process's memory needs ptrace rights (same user and kernel.yama.ptrace_scope 0, or root)`);
  }
  return new InputError(file, 0, (e as Error).message);
}

export interface SnapshotResult {
  /** Pages written to the trace. */
  pages: number;
  /** Pages of the swappable mappings in swap (pagemap bit 62). */
  inSwap: number;
  /** Whether those were taken (`swapped`). */
  swappedTaken: boolean;
}

/** pagemap entry, high word: page present in RAM; page in swap. */
const PM_PRESENT = 0x80000000;
const PM_SWAP = 0x40000000;

/** Writes the snapshot. */
export async function snapshotProcess(w: TraceWriter, o: SnapshotOptions): Promise<SnapshotResult> {
  const root = o.procRoot ?? '/proc';
  const { comm, kernelThread } = await processStat(root, o.pid);
  if (kernelThread) {
    throw new InputError(`${root}/${o.pid}/stat`, 0, `PID ${o.pid} (${comm}) is a kernel thread: it has no user memory to snapshot`);
  }
  let maps: Mapping[];
  try {
    maps = parseMaps(await readFile(`${root}/${o.pid}/maps`, 'utf8'));
  } catch (e) {
    throw procError(root, o.pid, 'maps', e);
  }
  let pagemap;
  let mem;
  try {
    pagemap = await open(`${root}/${o.pid}/pagemap`, 'r');
    mem = await open(`${root}/${o.pid}/mem`, 'r');
  } catch (e) {
    await pagemap?.close();
    throw procError(root, o.pid, pagemap ? 'mem' : 'pagemap', e);
  }
  const vpns: number[] = [];
  let inSwap = 0;
  try {
    // 1. which pages are present (and, when asked, in swap)
    const present: number[] = [];
    const entries = Buffer.alloc(8 * 256);
    const wanted = o.swapped === true ? PM_PRESENT | PM_SWAP : PM_PRESENT;
    for (const m of maps.filter(isSwappable)) {
      for (let vpn = m.start / PAGE_SIZE; vpn < m.end / PAGE_SIZE; vpn += 256) {
        const n = Math.min(256, m.end / PAGE_SIZE - vpn);
        let got;
        try {
          got = await pagemap.read(entries, 0, n * 8, vpn * 8);
        } catch (e) {
          throw procError(root, o.pid, 'pagemap', e);
        }
        for (let i = 0; i < got.bytesRead / 8; i++) {
          const high = entries.readUInt32LE(i * 8 + 4);
          if (high & PM_SWAP) inSwap++;
          if (high & wanted) present.push(vpn + i);
        }
      }
    }
    // 2. an even sample across the address space when there are too many
    const step = Math.max(1, present.length / o.maxPages);
    const kind = o.swapped === true ? 'present or swapped' : 'present';
    const swapNote = inSwap === 0 ? '' : o.swapped === true ? ` (${inSwap} of them read back from swap)` : ` (${inSwap} more in swap, left out)`;
    w.comment(
      `snapshot of PID ${o.pid} (${comm}): ${Math.min(present.length, o.maxPages)} of ${present.length} ${kind} pages of ` +
        `private-writable and shared-anonymous mappings${swapNote}${o.pageout ? ', each paged out' : ''}, then ${o.ops} ${o.pattern} reads`,
    );
    // 3. their bytes
    const page = Buffer.alloc(PAGE_SIZE);
    for (let i = 0; Math.floor(i * step) < present.length && vpns.length < o.maxPages; i++) {
      const vpn = present[Math.floor(i * step)];
      try {
        const r = await mem.read(page, 0, PAGE_SIZE, vpn * PAGE_SIZE);
        if (r.bytesRead !== PAGE_SIZE) continue;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EIO' || code === 'EFAULT') continue;
        throw procError(root, o.pid, 'mem', e);
      }
      w.write(1, vpn, page);
      vpns.push(vpn);
      if (w.wantsFlush) await w.flush();
    }
  } finally {
    await pagemap.close();
    await mem.close();
  }
  if (vpns.length === 0) {
    const hint = inSwap > 0 && o.swapped !== true ? ` (${inSwap} are in swap: --swapped takes them)` : '';
    throw new InputError(`${root}/${o.pid}/pagemap`, 0, `no present, swappable page found in PID ${o.pid} (${comm})${hint}`);
  }
  if (o.pageout) {
    for (const vpn of vpns) {
      w.pageout(1, vpn);
      if (w.wantsFlush) await w.flush();
    }
  }
  const rng = new Rng(o.seed);
  const zipf = o.pattern === 'zipf' ? new Zipf(vpns.length, 1.0, rng) : null;
  const order = [...vpns];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let op = 0; op < o.ops; op++) {
    w.read(1, zipf ? order[zipf.next()] : vpns[op % vpns.length]);
    if (w.wantsFlush) await w.flush();
  }
  return { pages: vpns.length, inSwap, swappedTaken: o.swapped === true };
}
