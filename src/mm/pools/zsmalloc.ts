/*
 * zsmalloc: mm/zsmalloc.c (kernel-notes-6x Part B §2 and Part A §4, SPEC
 * §7.3 and Appendix A).
 *
 * Objects are packed into "zspages" of 1…N page frames, one size class per
 * 16 bytes from 32 to 4096. An object of L bytes also stores its 8-byte
 * handle, so it goes to the class of L + 8; classes whose zspages hold the
 * same (pages, objects) are merged into the largest of their run, so an
 * object lands in the largest class of its run (69 classes with 6.1's
 * chains of up to 4 pages, 119 with 6.3+'s chains of up to 8). A class of
 * one object per zspage is "huge": a whole page per object (6.1: L ≥ 3257;
 * 6.3+: L ≥ 3625, `zs_huge_class_size` + 7).
 *
 * Within a class, zspages are kept in fullness groups; an allocation takes
 * the head zspage of the fullest group with room (6.1: ALMOST_FULL, then
 * ALMOST_EMPTY; 6.3+: ten groups by tenths of occupancy), else a new
 * zspage of `ppz` frames. A zspage whose group changes goes to the head of
 * its new list (6.1: second, when the head holds more objects); an emptied
 * zspage is freed at once.
 *
 * zsmalloc never refuses for lack of frames: zswap stores inside reclaim,
 * whose allocations may dip into the kernel's reserves (PF_MEMALLOC), so a
 * new zspage takes its frames even when fewer are free and the machine goes
 * over its RAM until reclaim evicts more. It has no reclaim of its own:
 * `shrink` fails (zpool_shrink returns -EINVAL).
 *
 * Left out: compaction (zs_compact, the shrinker), page migration, deferred
 * frees of locked zspages, handle and zspage metadata.
 */
import { Link, List } from '../list.js';
import { EINVAL, ENOSPC, type PoolDistribution, type Zpool } from './zpool.js';

const PAGE_SIZE = 4096;
export const ZS_MIN_ALLOC_SIZE = 32;
export const ZS_MAX_ALLOC_SIZE = PAGE_SIZE;
export const ZS_SIZE_CLASS_DELTA = 16;
export const ZS_SIZE_CLASSES = Math.ceil((ZS_MAX_ALLOC_SIZE - ZS_MIN_ALLOC_SIZE) / ZS_SIZE_CLASS_DELTA) + 1;
export const ZS_HANDLE_SIZE = 8;

/** 4: Linux ≤ 6.2 (ZS_MAX_ZSPAGE_ORDER 2); 8: CONFIG_ZSMALLOC_CHAIN_SIZE's default from 6.3. */
export type ChainSize = 4 | 8;

export interface SizeClass {
  /** Index of the class (the largest of its merged run). */
  index: number;
  size: number;
  /** pages_per_zspage */
  ppz: number;
  /** objs_per_zspage */
  opz: number;
}

/** 6.1 get_pages_per_zspage: the k ≤ 4 that wastes the smallest share of its pages (first on ties). */
function pagesPerZspage61(size: number): number {
  let maxUsedpc = 0;
  let best = 1;
  for (let k = 1; k <= 4; k++) {
    const zspageSize = k * PAGE_SIZE;
    const usedpc = Math.floor(((zspageSize - (zspageSize % size)) * 100) / zspageSize);
    if (usedpc > maxUsedpc) {
      maxUsedpc = usedpc;
      best = k;
    }
  }
  return best;
}

/** 6.3+ calculate_zspage_chain_size: 1 for a power of two, else the k ≤ chain with the least waste (first on ties). */
function chainSize63(size: number, chain: number): number {
  if ((size & (size - 1)) === 0) return 1;
  let best = 1;
  let minWaste = Infinity;
  for (let k = 1; k <= chain; k++) {
    const waste = (k * PAGE_SIZE) % size;
    if (waste < minWaste) {
      minWaste = waste;
      best = k;
    }
  }
  return best;
}

export interface ClassTable {
  /** size_class[i] for i = 0 … 254: merged runs share one object. */
  byIndex: SizeClass[];
  /** The distinct classes, smallest first. */
  distinct: SizeClass[];
  /** zs_huge_class_size: lengths (before the handle) from here on take a whole page. */
  hugeClassSize: number;
}

/** zs_create_pool's class table for a chain size. */
export function classTable(chain: ChainSize): ClassTable {
  const byIndex: SizeClass[] = new Array(ZS_SIZE_CLASSES);
  const distinct: SizeClass[] = [];
  let prev: SizeClass | null = null;
  let hugeClassSize = 0;
  for (let i = ZS_SIZE_CLASSES - 1; i >= 0; i--) {
    const size = Math.min(ZS_MIN_ALLOC_SIZE + i * ZS_SIZE_CLASS_DELTA, ZS_MAX_ALLOC_SIZE);
    const ppz = chain === 4 ? pagesPerZspage61(size) : chainSize63(size, chain);
    const opz = Math.floor((ppz * PAGE_SIZE) / size);
    if (ppz !== 1 && opz !== 1 && hugeClassSize === 0) hugeClassSize = size - (ZS_HANDLE_SIZE - 1);
    if (prev !== null && prev.ppz === ppz && prev.opz === opz) {
      byIndex[i] = prev;
      continue;
    }
    prev = { index: i, size, ppz, opz };
    byIndex[i] = prev;
    distinct.unshift(prev);
  }
  return { byIndex, distinct, hugeClassSize };
}

/** get_size_class_index of a request of s bytes (handle included). */
export function sizeClassIndex(s: number): number {
  const idx = s <= ZS_MIN_ALLOC_SIZE ? 0 : Math.ceil((s - ZS_MIN_ALLOC_SIZE) / ZS_SIZE_CLASS_DELTA);
  return Math.min(ZS_SIZE_CLASSES - 1, idx);
}

class Zspage {
  inuse = 0;
  group = -1;
  readonly link = new Link<Zspage>(this);
  constructor(readonly cls: ClassState) {}
}

interface ClassState {
  cls: SizeClass;
  /** fullness_list[group] */
  lists: List<Zspage>[];
  /** Objects held now (ZS_OBJS_INUSE). */
  inuse: number;
  /** Successful allocations. */
  allocs: number;
}

export class ZsmallocPool implements Zpool {
  readonly name = 'zsmalloc';
  readonly evictable = false;
  readonly table: ClassTable;
  /** pages_allocated */
  pages = 0;
  private readonly classes = new Map<SizeClass, ClassState>();
  private readonly handles = new Map<number, Zspage>();
  private nextHandle = 1;
  private readonly groups: number;

  constructor(readonly chain: ChainSize) {
    this.table = classTable(chain);
    // 6.1: EMPTY, ALMOST_EMPTY, ALMOST_FULL, FULL; 6.3+: ZS_INUSE_RATIO_0, _10 … _99, _100
    this.groups = chain === 4 ? 4 : 12;
  }

  /** The class an object of `size` bytes (before the handle) lands in. */
  classOf(size: number): SizeClass {
    return this.table.byIndex[sizeClassIndex(size + ZS_HANDLE_SIZE)];
  }

  /** zs_malloc: never fails for lack of frames; ENOSPC over 4096 bytes. */
  malloc(size: number): number {
    if (size <= 0) return EINVAL;
    if (size > ZS_MAX_ALLOC_SIZE) return ENOSPC;
    const state = this.state(this.classOf(size));
    let zspage = this.findZspage(state);
    if (zspage === null) {
      zspage = new Zspage(state);
      this.pages += state.cls.ppz;
    }
    zspage.inuse++;
    state.inuse++;
    state.allocs++;
    this.fixFullness(zspage);
    const handle = this.nextHandle++;
    this.handles.set(handle, zspage);
    return handle;
  }

  free(handle: number): void {
    const zspage = this.handles.get(handle)!;
    this.handles.delete(handle);
    zspage.inuse--;
    zspage.cls.inuse--;
    this.fixFullness(zspage);
    if (zspage.inuse === 0) {
      zspage.link.unlink();
      this.pages -= zspage.cls.cls.ppz;
    }
  }

  shrink(): number {
    return EINVAL;
  }

  endCall(): void {}

  /** The zspage group a zspage holding `inuse` objects belongs to. */
  fullness(cls: SizeClass, inuse: number): number {
    const opz = cls.opz;
    if (this.chain === 4) {
      if (inuse === 0) return 0;
      if (inuse === opz) return 3;
      return inuse <= Math.floor((3 * opz) / 4) ? 1 : 2;
    }
    if (inuse === 0) return 0;
    if (inuse === opz) return 11;
    return Math.floor(Math.floor((100 * inuse) / opz) / 10) + 1;
  }

  distribution(): PoolDistribution {
    const sizes: Record<string, number> = {};
    const occupancy: Record<string, number> = {};
    for (const s of [...this.classes.values()].sort((a, b) => a.cls.size - b.cls.size)) {
      if (s.allocs > 0) sizes[String(s.cls.size)] = s.allocs;
      if (s.inuse > 0) occupancy[String(s.cls.size)] = s.inuse;
    }
    return { object_sizes: sizes, occupancy };
  }

  checkInvariants(): string | null {
    let pages = 0;
    const seen = new Set<Zspage>();
    for (const z of this.handles.values()) seen.add(z);
    for (const z of seen) {
      pages += z.cls.cls.ppz;
      if (z.inuse <= 0 || z.inuse > z.cls.cls.opz) return `zspage of class ${z.cls.cls.size} holds ${z.inuse} objects`;
      if (z.group !== this.fullness(z.cls.cls, z.inuse) || !z.link.linked || z.link.list !== z.cls.lists[z.group]) {
        return `zspage of class ${z.cls.cls.size} with ${z.inuse} objects is not on its fullness list`;
      }
    }
    if (pages !== this.pages) return `zsmalloc counts ${this.pages} pages but its zspages hold ${pages}`;
    return null;
  }

  private state(cls: SizeClass): ClassState {
    let s = this.classes.get(cls);
    if (s === undefined) {
      s = { cls, lists: Array.from({ length: this.groups }, () => new List<Zspage>()), inuse: 0, allocs: 0 };
      this.classes.set(cls, s);
    }
    return s;
  }

  /** find_get_zspage: the head of the fullest group with room. */
  private findZspage(s: ClassState): Zspage | null {
    if (this.chain === 4) return s.lists[2].head() ?? s.lists[1].head();
    for (let g = 10; g >= 1; g--) {
      const z = s.lists[g].head();
      if (z !== null) return z;
    }
    return null;
  }

  /** fix_fullness_group / insert_zspage. */
  private fixFullness(zspage: Zspage): void {
    const group = this.fullness(zspage.cls.cls, zspage.inuse);
    if (group === zspage.group) return;
    if (zspage.link.linked) zspage.link.unlink();
    zspage.group = group;
    const list = zspage.cls.lists[group];
    const head = list.headLink();
    if (this.chain === 4 && head !== null && zspage.inuse < head.owner!.inuse) list.insertAfter(zspage.link, head);
    else list.addHead(zspage.link);
  }
}
