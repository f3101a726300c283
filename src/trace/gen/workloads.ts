/*
 * Synthetic workloads for `trace gen`. Each exercises the swap path in a
 * recognisable way; all are deterministic for a seed.
 *
 *   mixed  several processes, a hot/cold working set larger than RAM,
 *          reads and rewrites, frees, exits and new processes
 *   scan   sequential passes over a working set larger than RAM (LRU's
 *          worst case: every page is evicted before it is reused)
 *   zipf   skewed reuse: page popularity follows Zipf(1.0)
 *   dup    pages faulted back in and rewritten while still in the swap
 *          cache; with --swapcache-write keep their next eviction stores to
 *          the same slot again (duplicate stores)
 *   pageout  every page written, then paged out in address order with `o`
 *          (MADV_PAGEOUT, as the kernel experiments do), then read back in
 *          Zipf order
 *   files  file pages in the page cache beside a process (for cleancache)
 *
 * `pages` is the number of distinct pages written up front, `ops` the number
 * of accesses (w, r, f, x records) that follow — exactly, for every
 * workload: a process started later counts its writes among them.
 */
import { PAGE_SIZE } from '../../page.js';
import type { TraceWriter } from '../writer.js';
import { CONTENT_KINDS, DEFAULT_MIX, fillPage, rewriteKind, type ContentKind } from './content.js';
import { Rng, Zipf } from './random.js';

export interface GenParams {
  seed: number;
  pages: number;
  ops: number;
  /**
   * Page contents to draw from instead of synthesizing them (`--contents`):
   * each is defined once with `d` and written as `@ID`.
   */
  contents?: Uint8Array[];
}

export interface Workload {
  describe: string;
  defaults: { pages: number; ops: number };
  generate(w: TraceWriter, p: GenParams): Promise<void>;
}

/**
 * Writes page content — synthesized by kind, or drawn from given contents —
 * remembers each page's kind, and counts the accesses after the initial
 * writes.
 */
class Emitter {
  readonly rng: Rng;
  private readonly page = new Uint8Array(PAGE_SIZE);
  private readonly kinds = new Map<string, ContentKind>();
  private readonly contents: Uint8Array[] | null;
  private defined = false;
  /** Accesses emitted since `startOps`, and the budget of them. */
  accesses = 0;
  private budget = Infinity;

  constructor(
    readonly w: TraceWriter,
    p: GenParams,
  ) {
    this.rng = new Rng(p.seed);
    this.contents = p.contents === undefined || p.contents.length === 0 ? null : p.contents;
  }

  /** Given contents: any of them, uniformly (a rewrite too: real memory does not keep a page's kind). */
  private async drawn(contents: Uint8Array[]): Promise<Uint8Array> {
    if (!this.defined) {
      this.defined = true;
      for (const c of contents) {
        this.w.defineShared(c);
        if (this.w.wantsFlush) await this.w.flush();
      }
    }
    return contents[this.rng.int(contents.length)];
  }

  /** The initial writes are done: from now on `ops` accesses, no more. */
  startOps(ops: number): void {
    this.accesses = 0;
    this.budget = ops;
  }

  /** Room for another access? */
  get more(): boolean {
    return this.accesses < this.budget;
  }

  private key(as: number, vpn: number): string {
    return `${as}:${vpn}`;
  }

  /** New content for a page known by `key`: drawn, or synthesized by a kind that a rewrite may change. */
  private async content(key: string): Promise<Uint8Array> {
    if (this.contents !== null) return this.drawn(this.contents);
    const old = this.kinds.get(key);
    const kind = old === undefined ? CONTENT_KINDS[this.rng.weighted(DEFAULT_MIX)] : rewriteKind(old, this.rng);
    this.kinds.set(key, kind);
    fillPage(this.page, kind, this.rng);
    return this.page;
  }

  /** The initial writes of a region of `count` pages in address space `as`; its VPNs. */
  async populate(as: number, count: number): Promise<number[]> {
    const vpns = regionVpns(as, count);
    for (const vpn of vpns) await this.write(as, vpn);
    return vpns;
  }

  async write(as: number, vpn: number): Promise<void> {
    this.w.write(as, vpn, await this.content(this.key(as, vpn)));
    await this.counted();
  }

  /** A file record counts as one of the --ops records of the `files` workload. */
  private async counted(): Promise<void> {
    this.accesses++;
    if (this.w.wantsFlush) await this.w.flush();
  }

  async fileWrite(fs: number, ino: number, idx: number, direct = false): Promise<void> {
    const page = await this.content(`f${fs}:${ino}:${idx}`);
    if (direct) this.w.directWrite(fs, ino, idx, page);
    else this.w.fileWrite(fs, ino, idx, page);
    await this.counted();
  }

  async fileRead(fs: number, ino: number, idx: number): Promise<void> {
    this.w.fileRead(fs, ino, idx);
    await this.counted();
  }

  async fileRecord(emit: () => void): Promise<void> {
    emit();
    await this.counted();
  }

  async read(as: number, vpn: number): Promise<void> {
    this.w.read(as, vpn);
    this.accesses++;
    if (this.w.wantsFlush) await this.w.flush();
  }

  free(as: number, vpn: number): void {
    this.kinds.delete(this.key(as, vpn));
    this.w.free(as, vpn);
    this.accesses++;
  }

  exit(as: number, vpns: Iterable<number>): void {
    for (const vpn of vpns) this.kinds.delete(this.key(as, vpn));
    this.w.exit(as);
    this.accesses++;
  }

  /** A page-out (not an access). */
  async pageout(as: number, vpn: number): Promise<void> {
    this.w.pageout(as, vpn);
    if (this.w.wantsFlush) await this.w.flush();
  }
}

/** A process's pages: a heap region and an mmap region. */
function regionVpns(asIndex: number, count: number): number[] {
  const heap = Math.ceil(count * 0.6);
  const vpns: number[] = [];
  for (let i = 0; i < heap; i++) vpns.push(0x55d0a + asIndex * 0x10000 + i);
  for (let i = heap; i < count; i++) vpns.push(0x7f1b78000 + asIndex * 0x100000 + (i - heap));
  return vpns;
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

const mixed: Workload = {
  describe: 'several processes, hot/cold working set larger than RAM, reads, rewrites, frees, exits',
  defaults: { pages: 24576, ops: 100000 },
  async generate(w, p) {
    const e = new Emitter(w, p);
    const rng = e.rng;
    const shares = [0.4, 0.3, 0.2, 0.1];
    interface Proc {
      as: number;
      vpns: number[];
      live: Set<number>;
      hot: number[];
    }
    let nextAs = 1;
    const spawn = async (count: number): Promise<Proc> => {
      const as = nextAs++;
      const vpns = regionVpns(as, Math.max(1, count));
      for (const vpn of vpns) if (e.more) await e.write(as, vpn);
      const hot = shuffle([...vpns], rng).slice(0, Math.max(1, Math.floor(vpns.length / 5)));
      return { as, vpns, live: new Set(vpns), hot };
    };
    const procs: Proc[] = [];
    for (const share of shares) procs.push(await spawn(Math.floor(p.pages * share)));
    e.startOps(p.ops);
    const exitsAt = [Math.floor(p.ops / 2), Math.floor((p.ops * 3) / 4)];
    while (e.more) {
      if (exitsAt.length > 0 && e.accesses >= exitsAt[0]) {
        exitsAt.shift();
        // the smallest process exits; a new one of the same size starts (its writes count as accesses)
        const i = procs.reduce((best, q, j) => (q.vpns.length < procs[best].vpns.length ? j : best), 0);
        const gone = procs[i];
        e.exit(gone.as, gone.live);
        procs[i] = await spawn(gone.vpns.length);
        continue;
      }
      const proc = procs[rng.weighted(shares)];
      const vpn = rng.chance(0.8) ? rng.pick(proc.hot) : rng.pick(proc.vpns);
      const r = rng.float();
      if (r < 0.002) {
        await e.read(proc.as, vpn + 0x1000000); // never written: the zero page
      } else if (r < 0.02) {
        if (proc.live.has(vpn)) proc.live.delete(vpn);
        e.free(proc.as, vpn);
      } else if (r < 0.14 || !proc.live.has(vpn)) {
        proc.live.add(vpn);
        await e.write(proc.as, vpn);
      } else {
        await e.read(proc.as, vpn);
      }
    }
  },
};

const scan: Workload = {
  describe: 'sequential passes over a working set larger than RAM',
  defaults: { pages: 20480, ops: 60000 },
  async generate(w, p) {
    const e = new Emitter(w, p);
    const vpns = await e.populate(1, p.pages);
    e.startOps(p.ops);
    for (let op = 0; e.more; op++) {
      const vpn = vpns[op % vpns.length];
      if (e.rng.chance(0.1)) await e.write(1, vpn);
      else await e.read(1, vpn);
    }
  },
};

const zipf: Workload = {
  describe: 'skewed reuse: page popularity follows Zipf(1.0)',
  defaults: { pages: 24576, ops: 100000 },
  async generate(w, p) {
    const e = new Emitter(w, p);
    const half = Math.ceil(p.pages / 2);
    const pages: [number, number][] = [
      ...(await e.populate(1, half)).map((v): [number, number] => [1, v]),
      ...(await e.populate(2, p.pages - half)).map((v): [number, number] => [2, v]),
    ];
    const byRank = shuffle([...pages], e.rng);
    const z = new Zipf(byRank.length, 1.0, e.rng);
    e.startOps(p.ops);
    while (e.more) {
      const [as, vpn] = byRank[z.next()];
      if (e.rng.chance(0.2)) await e.write(as, vpn);
      else await e.read(as, vpn);
    }
  },
};

const dup: Workload = {
  describe: 'pages faulted back and rewritten while in the swap cache (duplicate stores with --swapcache-write keep)',
  defaults: { pages: 20480, ops: 40000 },
  async generate(w, p) {
    const e = new Emitter(w, p);
    const vpns = await e.populate(1, p.pages);
    e.startOps(p.ops);
    // Walk the pages oldest first: each is swapped out by now, so the read
    // faults it into the swap cache and the write dirties it there.
    for (let i = 0; e.more; i++) {
      const vpn = vpns[i % vpns.length];
      await e.read(1, vpn);
      if (e.more && e.rng.chance(0.5)) await e.write(1, vpn);
    }
  },
};

const pageout: Workload = {
  describe: 'every page written, paged out in address order (o records, as MADV_PAGEOUT), then read back in Zipf order',
  defaults: { pages: 4096, ops: 8192 },
  async generate(w, p) {
    const e = new Emitter(w, p);
    const vpns = await e.populate(1, p.pages);
    for (const vpn of vpns) await e.pageout(1, vpn);
    e.startOps(p.ops);
    const byRank = shuffle([...vpns], e.rng);
    const z = new Zipf(byRank.length, 1.0, e.rng);
    while (e.more) await e.read(1, byRank[z.next()]);
  },
};

/**
 * The page cache beside anonymous memory (SPEC §13.6), for cleancache: one
 * filesystem of 64-page files holding half the pages, a process the other
 * half. Then --ops records: file reads in Zipf order (60 %), file rewrites
 * (10 %), O_DIRECT writes (2 %), truncations (1 %) and unlinks of a file
 * that is then written again (0.5 %), reads (20 %) and writes (6.5 %) of
 * the process's pages, and drop_caches half-way; the filesystem is
 * unmounted at the end. Every record after the initial writes counts as an
 * op here.
 */
const files: Workload = {
  describe: 'file pages in the page cache beside a process: reads, rewrites, O_DIRECT, truncate, unlink, drop_caches (for cleancache)',
  defaults: { pages: 8192, ops: 40000 },
  async generate(w, p) {
    const e = new Emitter(w, p);
    const rng = e.rng;
    const FS = 1;
    const FILE_PAGES = 64;
    const filePages = Math.ceil(p.pages / 2);
    const nfiles = Math.max(1, Math.ceil(filePages / FILE_PAGES));
    const anon = regionVpns(1, Math.max(1, p.pages - filePages));
    w.mount(FS);
    for (let i = 0; i < filePages; i++) await e.fileWrite(FS, 100 + Math.floor(i / FILE_PAGES), i % FILE_PAGES);
    for (const vpn of anon) await e.write(1, vpn);
    e.startOps(p.ops);
    const fileRank = new Zipf(filePages, 1.0, rng);
    const anonRank = new Zipf(anon.length, 1.0, rng);
    const order = shuffle(Array.from({ length: filePages }, (_, i) => i), rng);
    const where = (i: number): [number, number] => [100 + Math.floor(order[i] / FILE_PAGES), order[i] % FILE_PAGES];
    let dropped = false;
    while (e.more) {
      if (!dropped && e.accesses >= p.ops / 2) {
        dropped = true;
        await e.fileRecord(() => w.dropCaches());
        continue;
      }
      const r = rng.float();
      if (r < 0.6) {
        const [ino, idx] = where(fileRank.next());
        await e.fileRead(FS, ino, idx);
      } else if (r < 0.7) {
        const [ino, idx] = where(fileRank.next());
        await e.fileWrite(FS, ino, idx);
      } else if (r < 0.72) {
        const [ino, idx] = where(fileRank.next());
        await e.fileWrite(FS, ino, idx, true);
      } else if (r < 0.73) {
        const ino = 100 + rng.int(nfiles);
        await e.fileRecord(() => w.truncate(FS, ino, rng.int(FILE_PAGES)));
      } else if (r < 0.735) {
        const ino = 100 + rng.int(nfiles);
        await e.fileRecord(() => w.unlink(FS, ino));
      } else if (r < 0.935) {
        await e.read(1, anon[anonRank.next()]);
      } else {
        await e.write(1, anon[anonRank.next()]);
      }
    }
    w.umount(FS);
  },
};

export const WORKLOADS: Record<string, Workload> = { mixed, scan, zipf, dup, pageout, files };

/** A workload's trace, opened by the comment that says how it was made. */
export async function generateWorkload(name: string, w: TraceWriter, p: GenParams): Promise<void> {
  w.comment(`${name}: ${p.pages} pages, ${p.ops} ops, seed ${p.seed}`);
  await WORKLOADS[name].generate(w, p);
}
