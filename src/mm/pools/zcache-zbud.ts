/*
 * zcache's zbud: drivers/staging/zcache/zbud.c of zcache 2 (3.7–3.10), the
 * allocator SPEC §13.3 gives both zcache generations. Not mm/zbud.c: this
 * one keeps a tmem handle beside each object and has an LRU per class.
 *
 * A pageframe holds two buds of 64-byte chunks, c0 + c1 ≤ 64; a zpage of
 * zsize bytes takes c = ⌈(zsize + 32) / 64⌉ chunks (the 32-byte
 * tmem_handle). Pageframes with one bud are on `unbuddied[c]` by that bud's
 * chunks, oldest first; with two, on `buddied`. The LRU (most recent at the
 * head) orders pageframes for eviction; a new or matched pageframe goes to
 * its MRU end, a free or a get leaves it alone.
 *
 * Placement (zbud_match_prep): for i = 64 − c down to 1, the oldest
 * pageframe on unbuddied[i] takes the zpage in its free bud; else a new
 * pageframe (the caller finds the frame). Left out: the zombie state of
 * ramster's remotify (src/mm/ramster.ts keeps it), locking.
 */
import { Link, List } from '../list.js';

export const CHUNK = 64;
export const CHUNKS = 64;
/** The tmem_handle stored before each zpage. */
export const HANDLE_BYTES = 32;

export function chunksFor(zsize: number): number {
  return Math.ceil((zsize + HANDLE_BYTES) / CHUNK);
}

/** One zpage in a bud: what it belongs to (the backend's entry) and its size. */
export interface Bud<E> {
  entry: E;
  zsize: number;
  chunks: number;
}

export class Pageframe<E> {
  readonly buds: [Bud<E> | null, Bud<E> | null] = [null, null];
  /** unbuddied[c] or buddied. */
  readonly list = new Link<Pageframe<E>>(this);
  readonly lru = new Link<Pageframe<E>>(this);
  /** Taken off the lists and the LRU for remotifying (ramster): freed with its last zpage. */
  zombie = false;

  get count(): number {
    return (this.buds[0] === null ? 0 : 1) + (this.buds[1] === null ? 0 : 1);
  }
}

export class ZcacheZbud<E> {
  private readonly unbuddied: List<Pageframe<E>>[] = Array.from({ length: CHUNKS + 1 }, () => new List<Pageframe<E>>());
  private readonly buddied = new List<Pageframe<E>>();
  /** Most recently placed at the head. */
  readonly lru = new List<Pageframe<E>>();
  pageframes = 0;
  zpages = 0;
  zbytes = 0;
  /** The gauges' peaks (debugfs's *_max), kept where the gauges grow. */
  pageframesMax = 0;
  zpagesMax = 0;
  zbytesMax = 0;

  private grew(): void {
    if (this.pageframes > this.pageframesMax) this.pageframesMax = this.pageframes;
    if (this.zpages > this.zpagesMax) this.zpagesMax = this.zpages;
    if (this.zbytes > this.zbytesMax) this.zbytesMax = this.zbytes;
  }

  /** zbud_match_prep: a pageframe with room for `chunks`, the zpage placed; null when none. */
  match(entry: E, zsize: number): { frame: Pageframe<E>; bud: 0 | 1 } | null {
    const c = chunksFor(zsize);
    for (let i = CHUNKS - c; i >= 1; i--) {
      const frame = this.unbuddied[i].headLink()?.owner;
      if (frame === undefined || frame === null) continue;
      const bud: 0 | 1 = frame.buds[0] === null ? 0 : 1;
      frame.buds[bud] = { entry, zsize, chunks: c };
      frame.list.unlink();
      this.buddied.addTail(frame.list);
      this.lru.moveToHead(frame.lru);
      this.zpages++;
      this.zbytes += zsize;
      this.grew();
      return { frame, bud };
    }
    return null;
  }

  /** A new pageframe (its frame found by the caller), the zpage in bud 0. */
  create(entry: E, zsize: number): { frame: Pageframe<E>; bud: 0 | 1 } {
    const frame = new Pageframe<E>();
    const c = chunksFor(zsize);
    frame.buds[0] = { entry, zsize, chunks: c };
    this.unbuddied[c].addTail(frame.list);
    this.lru.addHead(frame.lru);
    this.pageframes++;
    this.zpages++;
    this.zbytes += zsize;
    this.grew();
    return { frame, bud: 0 };
  }

  /** Frees a zpage; true when its pageframe went with it. */
  free(frame: Pageframe<E>, bud: 0 | 1): boolean {
    const b = frame.buds[bud]!;
    frame.buds[bud] = null;
    this.zpages--;
    this.zbytes -= b.zsize;
    if (frame.zombie) {
      if (frame.count === 0) this.pageframes--;
      return frame.count === 0;
    }
    frame.list.unlink();
    const other = frame.buds[1 - bud];
    if (other === null) {
      frame.lru.unlink();
      this.pageframes--;
      return true;
    }
    this.unbuddied[other.chunks].addTail(frame.list);
    return false;
  }

  /** The least recently placed pageframe (the LRU's end), or null. */
  lruEnd(): Pageframe<E> | null {
    return this.lru.tail();
  }

  /** Takes a pageframe off its list and the LRU (ramster's zombie): its zpages stay until freed. */
  zombify(frame: Pageframe<E>): void {
    frame.list.unlink();
    frame.lru.unlink();
    frame.zombie = true;
  }

  checkInvariants(): string | null {
    let frames = 0;
    let zpages = 0;
    for (let i = 1; i <= CHUNKS; i++) {
      for (const f of this.unbuddied[i]) {
        frames++;
        if (f.count !== 1) return `zcache zbud: a pageframe on unbuddied[${i}] holds ${f.count} zpages`;
        const b = f.buds[0] ?? f.buds[1]!;
        if (b.chunks !== i) return `zcache zbud: a ${b.chunks}-chunk zpage on unbuddied[${i}]`;
        zpages++;
      }
    }
    for (const f of this.buddied) {
      frames++;
      if (f.count !== 2) return `zcache zbud: a pageframe on buddied holds ${f.count}`;
      if (f.buds[0]!.chunks + f.buds[1]!.chunks > CHUNKS) return 'zcache zbud: buds over 64 chunks';
      zpages += 2;
    }
    if (this.lru.length !== frames) return `zcache zbud: ${this.lru.length} pageframes on the LRU, ${frames} on the lists`;
    if (frames > this.pageframes) return `zcache zbud: ${frames} pageframes listed, ${this.pageframes} counted`;
    if (zpages > this.zpages) return `zcache zbud: ${zpages} zpages listed, ${this.zpages} counted`;
    return null;
  }
}
