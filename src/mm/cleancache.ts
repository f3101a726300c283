/*
 * The cleancache frontend: mm/cleancache.c of 3.0–5.16 (SPEC §13.6 rule 7,
 * kernel-notes-tmem §5). The page cache calls it; it asks the backend's
 * ephemeral pools (Xen tmem's, zcache's, ramster's) through CleancacheOps.
 *
 * A filesystem gets a pool at mount (init_fs) when a backend has one to
 * give; with none (backend zswap, which has no cleancache side; all 16
 * pools in use) every hook is a no-op and counts nothing. Counters are
 * debugfs cleancache/'s: `puts` for every put that reaches a backend (puts
 * "always succeed"), `succ_gets` and `failed_gets` for gets that reach one,
 * `invalidates` for invalidate_page only — inode and filesystem
 * invalidations are not counted. Left out: shared pools (ocfs2), the
 * exportfs file handle as key (the inode number stands for it).
 */
import type { Content } from './content.js';
import type { BackendLoaded } from './frontswap.js';
import type { CleancacheOps } from './tmem.js';

export interface CleancacheStats {
  succ_gets: number;
  failed_gets: number;
  puts: number;
  invalidates: number;
}

export class Cleancache {
  readonly stats: CleancacheStats = { succ_gets: 0, failed_gets: 0, puts: 0, invalidates: 0 };

  /** ops null: no backend with a cleancache side. */
  constructor(private readonly ops: CleancacheOps | null) {}

  /** __cleancache_init_fs: the filesystem's pool id, or −1. */
  initFs(): number {
    return this.ops === null ? -1 : this.ops.initFs();
  }

  getPage(pool: number, ino: number, idx: number): BackendLoaded | null {
    if (pool < 0 || this.ops === null) return null;
    const got = this.ops.getPage(pool, ino, idx);
    if (got === null) this.stats.failed_gets++;
    else this.stats.succ_gets++;
    return got;
  }

  putPage(pool: number, ino: number, idx: number, content: Content): void {
    if (pool < 0 || this.ops === null) return;
    this.stats.puts++;
    this.ops.putPage(pool, ino, idx, content);
  }

  invalidatePage(pool: number, ino: number, idx: number): void {
    if (pool < 0 || this.ops === null) return;
    this.stats.invalidates++;
    this.ops.invalidatePage(pool, ino, idx);
  }

  invalidateInode(pool: number, ino: number): void {
    if (pool < 0 || this.ops === null) return;
    this.ops.invalidateInode(pool, ino);
  }

  invalidateFs(pool: number): void {
    if (pool < 0 || this.ops === null) return;
    this.ops.invalidateFs(pool);
  }
}
