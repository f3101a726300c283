/*
 * The frontswap layer: mm/frontswap.c (kernel-notes §1, SPEC §5).
 *
 * One bitmap per swap type; a set bit (type, offset) means the backend holds
 * that slot's page. The layer calls a backend through `FrontswapOps`, the
 * shape of the kernel's `struct frontswap_ops`, so any backend plugs in.
 *
 * A store to an offset whose bit is set is a duplicate. What the layer does
 * about it changed three times, and each version is a `--frontswap-dup` mode:
 *   clear               3.11–3.18: on failure clear the bit, but do not tell
 *                       the backend (an old copy may linger there)
 *   invalidate-on-fail  3.19–4.1: as clear, and call invalidate_page on failure
 *   invalidate-first    ≈4.2–6.5: clear the bit and invalidate before the
 *                       store, so the backend never sees a duplicate
 *
 * Counters are debugfs's: `invalidates` counts only invalidate_page calls
 * from a slot free that found the bit set, not the ones a duplicate store
 * makes internally. Left out: writethrough mode, exclusive gets (Xen tmem),
 * multiple backends, frontswap_shrink.
 */

export type FrontswapDupMode = 'clear' | 'invalidate-on-fail' | 'invalidate-first';

/** struct frontswap_ops: 0 means success, anything else failure or miss. */
export interface FrontswapOps {
  init(type: number): void;
  store(type: number, offset: number, page: Uint8Array): number;
  load(type: number, offset: number, dst: Uint8Array): number;
  invalidatePage(type: number, offset: number): void;
  invalidateArea(type: number): void;
}

export interface FrontswapStats {
  succ_stores: number;
  failed_stores: number;
  loads: number;
  invalidates: number;
}

export class Frontswap {
  readonly stats: FrontswapStats = { succ_stores: 0, failed_stores: 0, loads: 0, invalidates: 0 };
  private readonly maps: Uint8Array[] = [];

  /** ops null: no backend registered (zswap disabled), every store fails uncounted. */
  constructor(
    private readonly ops: FrontswapOps | null,
    readonly dupMode: FrontswapDupMode,
  ) {}

  /** swapon: a bitmap of `slots` bits for the type; the backend's init. */
  init(type: number, slots: number): void {
    this.maps[type] = new Uint8Array(slots);
    this.ops?.init(type);
  }

  test(type: number, offset: number): boolean {
    return this.maps[type][offset] !== 0;
  }

  /** __frontswap_store: 0 on success. */
  store(type: number, offset: number, page: Uint8Array): number {
    if (this.ops === null) return -1; // no backend: -1, and no counter moves
    const map = this.maps[type];
    let dup = map[offset] !== 0;
    if (dup && this.dupMode === 'invalidate-first') {
      map[offset] = 0;
      this.ops.invalidatePage(type, offset);
      dup = false;
    }
    const ret = this.ops.store(type, offset, page);
    if (ret === 0) {
      map[offset] = 1;
      this.stats.succ_stores++;
      return 0;
    }
    this.stats.failed_stores++;
    if (dup) {
      map[offset] = 0;
      if (this.dupMode === 'invalidate-on-fail') this.ops.invalidatePage(type, offset);
    }
    return ret;
  }

  /** __frontswap_load: a clear bit misses without asking the backend. */
  load(type: number, offset: number, dst: Uint8Array): number {
    if (this.maps[type][offset] === 0 || this.ops === null) return -1;
    const ret = this.ops.load(type, offset, dst);
    if (ret === 0) this.stats.loads++;
    return ret;
  }

  /** __frontswap_invalidate_page, called when a slot is freed. */
  invalidatePage(type: number, offset: number): void {
    const map = this.maps[type];
    if (map[offset] === 0 || this.ops === null) return;
    this.ops.invalidatePage(type, offset);
    map[offset] = 0;
    this.stats.invalidates++;
  }

  /** __frontswap_invalidate_area, at swapoff. */
  invalidateArea(type: number): void {
    this.ops?.invalidateArea(type);
    this.maps[type].fill(0);
  }

  /** Set bits of a type, for invariant checks. */
  *setBits(type: number): IterableIterator<number> {
    const map = this.maps[type];
    for (let i = 0; i < map.length; i++) if (map[i] !== 0) yield i;
  }
}
