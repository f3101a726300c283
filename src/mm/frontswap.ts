/*
 * The frontswap layer: mm/frontswap.c, 3.5–6.5 (kernel-notes §1,
 * kernel-notes-tmem §1, SPEC §5, §13.1).
 *
 * One bitmap per swap type; a set bit (type, offset) means the backend holds
 * that slot's page. The layer calls a backend through `FrontswapOps`, the
 * shape of the kernel's `struct frontswap_ops`, so any backend plugs in
 * (zswap, Xen tmem, zcache, ramster).
 *
 * A store to an offset whose bit is set is a duplicate. What the layer does
 * about it changed three times, and each version is a `--frontswap-dup` mode:
 *   clear               3.11–3.18: on failure clear the bit, but do not tell
 *                       the backend (an old copy may linger there)
 *   invalidate-on-fail  3.19–4.1: as clear, and call invalidate_page on failure
 *   invalidate-first    ≈4.2–6.5: clear the bit and invalidate before the
 *                       store, so the backend never sees a duplicate
 *
 * Two knobs of 3.5–5.16: writethrough (a store that succeeds still reports
 * failure, so the page is also written to the device) and exclusive gets (a
 * successful load clears the bit and dirties the page, with no
 * invalidation: the backend dropped its copy, or keeps it as an orphan).
 *
 * Counters are debugfs's: `invalidates` counts only invalidate_page calls
 * from a slot free that found the bit set, not the ones a duplicate store
 * makes internally. Left out: several backends at once.
 */
import type { Content } from './content.js';
import { SparseBytes } from './sparse.js';

export type FrontswapDupMode = 'clear' | 'invalidate-on-fail' | 'invalidate-first';

/** What a backend's load returns: the content it holds, the block to decompress (if any), whether it dropped its copy. */
export interface BackendLoaded {
  content: Content;
  block: Uint8Array | null;
  freed: boolean;
}

/** struct frontswap_ops: a store returns 0 on success, anything else on failure; a load null on a miss. */
export interface FrontswapOps {
  init(type: number): void;
  store(type: number, offset: number, content: Content): number;
  load(type: number, offset: number): BackendLoaded | null;
  invalidatePage(type: number, offset: number): void;
  invalidateArea(type: number): void;
}

export interface FrontswapStats {
  succ_stores: number;
  failed_stores: number;
  loads: number;
  invalidates: number;
}

/** A load that hit: the backend's answer, and whether the page must be dirtied (its bit was cleared). */
export interface FrontswapLoaded extends BackendLoaded {
  exclusive: boolean;
}

export interface FrontswapKnobs {
  writethrough: boolean;
  exclusiveGets: boolean;
}

export class Frontswap {
  readonly stats: FrontswapStats = { succ_stores: 0, failed_stores: 0, loads: 0, invalidates: 0 };
  private readonly maps: SparseBytes[] = [];
  /** frontswap_pages of each type: its set bits. */
  private readonly pagesOf: number[] = [];

  /** ops null: no backend registered (zswap disabled), every store fails uncounted. */
  constructor(
    private readonly ops: FrontswapOps | null,
    readonly dupMode: FrontswapDupMode,
    readonly knobs: FrontswapKnobs = { writethrough: false, exclusiveGets: false },
  ) {}

  /** swapon: a bitmap of `slots` bits for the type; the backend's init. */
  init(type: number, slots: number): void {
    this.maps[type] = new SparseBytes(slots);
    this.pagesOf[type] = 0;
    this.ops?.init(type);
  }

  test(type: number, offset: number): boolean {
    return this.maps[type].get(offset) !== 0;
  }

  private set(type: number, offset: number): void {
    if (this.maps[type].get(offset) !== 0) return;
    this.maps[type].set(offset, 1);
    this.pagesOf[type]++;
  }

  private clear(type: number, offset: number): void {
    if (this.maps[type].get(offset) === 0) return;
    this.maps[type].set(offset, 0);
    this.pagesOf[type]--;
  }

  /** frontswap_curr_pages: set bits over all types. */
  currPages(): number {
    return this.pagesOf.reduce((s, n) => s + n, 0);
  }

  /** Set bits of one type. */
  pagesOfType(type: number): number {
    return this.pagesOf[type];
  }

  /** __frontswap_store: 0 when the backend took the page and the device need not be written. */
  store(type: number, offset: number, content: Content): number {
    if (this.ops === null) return -1; // no backend: -1, and no counter moves
    let dup = this.test(type, offset);
    if (dup && this.dupMode === 'invalidate-first') {
      this.clear(type, offset);
      this.ops.invalidatePage(type, offset);
      dup = false;
    }
    const ret = this.ops.store(type, offset, content);
    if (ret === 0) {
      this.set(type, offset);
      this.stats.succ_stores++;
      return this.knobs.writethrough ? -1 : 0;
    }
    this.stats.failed_stores++;
    if (dup) {
      this.clear(type, offset);
      if (this.dupMode === 'invalidate-on-fail') this.ops.invalidatePage(type, offset);
    }
    return ret;
  }

  /** __frontswap_load: a clear bit misses without asking the backend. */
  load(type: number, offset: number): FrontswapLoaded | null {
    if (this.ops === null || !this.test(type, offset)) return null;
    const got = this.ops.load(type, offset);
    if (got === null) return null;
    this.stats.loads++;
    const exclusive = this.knobs.exclusiveGets || got.freed;
    if (exclusive) this.clear(type, offset); // no invalidate: the backend's copy is gone, or an orphan
    return { ...got, exclusive };
  }

  /** __frontswap_invalidate_page, called when a slot is freed. */
  invalidatePage(type: number, offset: number): void {
    if (this.ops === null || !this.test(type, offset)) return;
    this.ops.invalidatePage(type, offset);
    this.clear(type, offset);
    this.stats.invalidates++;
  }

  /** __frontswap_invalidate_area, at swapoff. */
  invalidateArea(type: number): void {
    this.ops?.invalidateArea(type);
    this.maps[type].clear();
    this.pagesOf[type] = 0;
  }

  /** Set bits of a type, ascending. */
  setBits(type: number): IterableIterator<number> {
    return this.maps[type].nonZero();
  }
}
