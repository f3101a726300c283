/*
 * The page cache of file pages, as the cleancache hooks see it (SPEC §13.6,
 * 3.11's mm/filemap.c, mm/truncate.c, mm/vmscan.c and
 * generic_file_direct_write): the file records M U R W T L I C.
 *
 * A cached file page holds a frame on the machine's one LRU (beside the
 * anonymous pages), is up to date, and may be dirty and `mapped`
 * (PG_mappedtodisk: its blocks are on disk). The disk keeps each page's last
 * written-back or direct-written content; other pages are holes (zeros).
 * Every read that reaches cleancache or the disk is checked against the
 * file's current content — what the last W or I wrote, zeros for a hole.
 *
 * The hooks as 3.11 calls them: a put when a clean, up-to-date, mapped page
 * leaves the page cache (else invalidate_page), a get on a read miss of a
 * page on disk, invalidate_inode at both ends of every truncation and of an
 * O_DIRECT write's invalidation — but only when the file has cached pages,
 * so an O_DIRECT write to a file with none leaves an older cleancache copy
 * behind (the bug fixed in 4.12 by 55635ba76ef9), which verification then
 * reports. Left out: readahead, partial pages, mmap of files, the
 * active/inactive split, dirty throttling.
 */
import { type Content, ZERO_CONTENT } from './content.js';
import { Cleancache } from './cleancache.js';
import type { BackendLoaded } from './frontswap.js';
import { Link } from './list.js';
import type { LruEntry } from './replay.js';
import type { TraceRecord } from '../trace/format.js';

export interface FileStats {
  reads: number;
  read_hits: number;
  disk_reads: number;
  writes: number;
  direct_writes: number;
  writebacks: number;
  evictions: number;
  cached_pages: number;
  cached_pages_peak: number;
}

export class FilePage {
  readonly file = true;
  readonly lru: Link<LruEntry>;
  dirty = false;
  /** PG_mappedtodisk: the page's blocks are on disk. */
  mapped = false;
  constructor(
    readonly fs: number,
    readonly ino: number,
    readonly idx: number,
    public content: Content,
  ) {
    this.lru = new Link<LruEntry>(this);
  }
}

/** A map's numeric keys in ascending order, as a list that survives changes to the map. */
function ascending(m: Map<number, unknown>): number[] {
  return [...m.keys()].sort((a, b) => a - b);
}

class CachedFile {
  /** Cached pages by index. */
  readonly pages = new Map<number, FilePage>();
  /** What the disk holds, by index: absent is a hole. */
  readonly disk = new Map<number, Content>();
  /** What the trace last wrote (W or I), by index: the truth reads are checked against. */
  readonly current = new Map<number, Content>();
}

class Filesystem {
  readonly files = new Map<number, CachedFile>();
  /** The cleancache pool of the current mount (−1: none). */
  pool = -1;
}

/** What the page cache needs of the machine. */
export interface PageCacheHost {
  /** Reclaim until a frame is free (may evict file pages through evict()). */
  takeFrame(): void;
  lruAddHead(page: FilePage): void;
  lruMoveToHead(page: FilePage): void;
  lruRemove(page: FilePage): void;
  /** A read from cleancache or the disk: check it (the block, when a backend compressed it, really decompressed). */
  checkFileLoad(page: { fs: number; ino: number; idx: number }, got: BackendLoaded | { content: Content; block: null }, source: 'cleancache' | 'disk', expected: Content): void;
}

export class PageCache {
  readonly stats: FileStats = {
    reads: 0,
    read_hits: 0,
    disk_reads: 0,
    writes: 0,
    direct_writes: 0,
    writebacks: 0,
    evictions: 0,
    cached_pages: 0,
    cached_pages_peak: 0,
  };
  private readonly filesystems = new Map<number, Filesystem>();
  /** Unmounted filesystems keep their disks: a later M of the same FS finds them. */
  private readonly unmounted = new Map<number, Filesystem>();

  constructor(
    private readonly host: PageCacheHost,
    readonly cleancache: Cleancache,
  ) {}

  get cached(): number {
    return this.stats.cached_pages;
  }

  private file(fsId: number, ino: number): CachedFile {
    const fs = this.filesystems.get(fsId)!; // the reader refuses records on unmounted filesystems
    let f = fs.files.get(ino);
    if (f === undefined) fs.files.set(ino, (f = new CachedFile()));
    return f;
  }

  private pool(fsId: number): number {
    return this.filesystems.get(fsId)?.pool ?? -1;
  }

  access(rec: TraceRecord): void {
    switch (rec.kind) {
      case 'M': {
        // a filesystem mounted again finds its disk as it left it; cleancache gives it a new pool
        const fs = this.unmounted.get(rec.as) ?? new Filesystem();
        this.unmounted.delete(rec.as);
        fs.pool = this.cleancache.initFs();
        this.filesystems.set(rec.as, fs);
        return;
      }
      case 'U':
        this.umount(rec.as);
        return;
      case 'R':
        this.read(rec.as, rec.vpn, rec.idx);
        return;
      case 'W':
        this.write(rec.as, rec.vpn, rec.idx, rec.content);
        return;
      case 'T':
        this.truncate(rec.as, rec.vpn, rec.idx, 'disk too');
        return;
      case 'L':
        this.truncate(rec.as, rec.vpn, 0, 'disk too');
        this.filesystems.get(rec.as)!.files.delete(rec.vpn);
        return;
      case 'I':
        this.directWrite(rec.as, rec.vpn, rec.idx, rec.content);
        return;
      case 'C':
        this.dropCaches();
        return;
      default:
        return;
    }
  }

  // ---- the page cache ----------------------------------------------------------

  private add(fs: number, ino: number, idx: number, content: Content): FilePage {
    const page = new FilePage(fs, ino, idx, content);
    this.file(fs, ino).pages.set(idx, page);
    this.host.lruAddHead(page);
    if (++this.stats.cached_pages > this.stats.cached_pages_peak) this.stats.cached_pages_peak = this.stats.cached_pages;
    return page;
  }

  /** Writes a dirty page back: the disk takes its content; its blocks are now on disk. */
  private writeback(page: FilePage): void {
    this.stats.writebacks++;
    this.file(page.fs, page.ino).disk.set(page.idx, page.content);
    page.dirty = false;
    page.mapped = true;
  }

  /**
   * __delete_from_page_cache: the frame is released, then the page is put
   * to cleancache if it is up to date and on disk, else invalidated there.
   */
  private drop(page: FilePage): void {
    const f = this.file(page.fs, page.ino);
    f.pages.delete(page.idx);
    this.host.lruRemove(page);
    this.stats.cached_pages--;
    const pool = this.pool(page.fs);
    if (page.mapped) this.cleancache.putPage(pool, page.ino, page.idx, page.content);
    else this.cleancache.invalidatePage(pool, page.ino, page.idx);
  }

  /** Reclaim of a file page (rule 3): written back if dirty, then dropped. */
  evict(page: FilePage): void {
    if (page.dirty) this.writeback(page);
    this.stats.evictions++;
    this.drop(page);
  }

  private read(fs: number, ino: number, idx: number): void {
    this.stats.reads++;
    const f = this.file(fs, ino);
    const cached = f.pages.get(idx);
    if (cached !== undefined) {
      this.stats.read_hits++;
      this.host.lruMoveToHead(cached);
      return;
    }
    this.host.takeFrame();
    const truth = f.current.get(idx) ?? ZERO_CONTENT;
    const onDisk = f.disk.get(idx);
    if (onDisk === undefined) {
      // a hole: zeros, no get; not on disk
      this.add(fs, ino, idx, ZERO_CONTENT);
      return;
    }
    const got = this.cleancache.getPage(this.pool(fs), ino, idx);
    let content: Content;
    if (got !== null) {
      this.host.checkFileLoad({ fs, ino, idx }, got, 'cleancache', truth);
      content = got.content;
    } else {
      this.stats.disk_reads++;
      this.host.checkFileLoad({ fs, ino, idx }, { content: onDisk, block: null }, 'disk', truth);
      content = onDisk;
    }
    const page = this.add(fs, ino, idx, content);
    page.mapped = true;
  }

  private write(fs: number, ino: number, idx: number, content: Content): void {
    this.stats.writes++;
    const f = this.file(fs, ino);
    f.current.set(idx, content);
    let page = f.pages.get(idx);
    if (page === undefined) {
      this.host.takeFrame();
      page = this.add(fs, ino, idx, content);
    } else {
      page.content = content;
      this.host.lruMoveToHead(page);
    }
    page.dirty = true;
  }

  /**
   * truncate_inode_pages to `n` pages (T; L is n = 0): invalidate_inode, then
   * — if the file has cached pages — those from n on are dropped without
   * writeback, their blocks no longer theirs (so invalidated, never put),
   * and invalidate_inode again. With 'disk too' the disk's pages from n on
   * become holes; umount truncates the cache only.
   */
  private truncate(fs: number, ino: number, n: number, what: 'disk too' | 'cache only'): void {
    const pool = this.pool(fs);
    const f = this.file(fs, ino);
    this.cleancache.invalidateInode(pool, ino);
    if (f.pages.size > 0) {
      for (const idx of ascending(f.pages)) {
        if (idx < n) continue;
        const page = f.pages.get(idx)!;
        page.dirty = false;
        page.mapped = false;
        this.drop(page);
      }
      this.cleancache.invalidateInode(pool, ino);
    }
    if (what === 'cache only') return;
    for (const idx of [...f.disk.keys()]) if (idx >= n) f.disk.delete(idx);
    for (const idx of [...f.current.keys()]) if (idx >= n) f.current.delete(idx);
  }

  /** generic_file_direct_write of 3.11 (rule 5). */
  private directWrite(fs: number, ino: number, idx: number, content: Content): void {
    this.stats.direct_writes++;
    const pool = this.pool(fs);
    const f = this.file(fs, ino);
    const cached = f.pages.get(idx);
    if (cached?.dirty) this.writeback(cached); // filemap_write_and_wait_range
    if (f.pages.size > 0) {
      // invalidate_inode_pages2_range
      this.cleancache.invalidateInode(pool, ino);
      if (cached !== undefined) this.drop(cached);
      this.cleancache.invalidateInode(pool, ino);
    }
    f.disk.set(idx, content);
    f.current.set(idx, content);
    if (f.pages.size > 0) {
      // the second invalidate_inode_pages2_range, after the write: only with pages still cached
      this.cleancache.invalidateInode(pool, ino);
      this.cleancache.invalidateInode(pool, ino);
    }
  }

  /** drop_caches (echo 1): every clean cached page, in (FS, INO, IDX) order [SPEC choice]. */
  private dropCaches(): void {
    for (const fsId of ascending(this.filesystems)) {
      const fs = this.filesystems.get(fsId)!;
      for (const ino of ascending(fs.files)) {
        const f = fs.files.get(ino)!;
        for (const idx of ascending(f.pages)) {
          const page = f.pages.get(idx)!;
          if (!page.dirty) this.drop(page);
        }
      }
    }
  }

  /** umount: dirty pages written back, each file with cached pages truncated to 0 (its disk kept), then invalidate_fs. */
  private umount(fsId: number): void {
    const fs = this.filesystems.get(fsId)!;
    for (const ino of ascending(fs.files)) {
      const f = fs.files.get(ino)!;
      for (const idx of ascending(f.pages)) {
        const page = f.pages.get(idx)!;
        if (page.dirty) this.writeback(page);
      }
    }
    for (const ino of ascending(fs.files)) {
      if (fs.files.get(ino)!.pages.size > 0) this.truncate(fsId, ino, 0, 'cache only');
    }
    this.cleancache.invalidateFs(fs.pool);
    // the filesystem's disk stays for a later mount; its pool does not
    fs.pool = -1;
    this.unmounted.set(fsId, fs);
    this.filesystems.delete(fsId);
  }

  checkInvariants(lruFilePages: number): string | null {
    let cached = 0;
    for (const fs of this.filesystems.values()) for (const f of fs.files.values()) cached += f.pages.size;
    if (cached !== this.stats.cached_pages) return `page cache: ${cached} pages held, ${this.stats.cached_pages} counted`;
    if (lruFilePages !== cached) return `page cache: ${lruFilePages} file pages on the LRU, ${cached} cached`;
    return null;
  }
}
