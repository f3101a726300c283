/*
 * zram: drivers/block/zram/zram_drv.c as a swap device (SPEC §12), Linux
 * 6.1, 6.12 and 6.18. A zram disk compresses each page written to it into
 * its own zsmalloc pool in RAM; it is a block device, so the swap path
 * writes to it where it would write to a disk.
 *
 * Per index the table holds one of four states: empty; same (a 64-bit fill
 * word, no memory); an object of L bytes in the pool; or huge (L = 4096,
 * the raw page, for pages whose compressed length reaches
 * `huge_class_size`). A write (zram_write_page) compresses into a two-page
 * buffer, allocates the new object, tests the memory limit against the
 * pool's pages after that allocation — so `mem_used_max` can pass
 * `mem_limit` — and only then frees the index's old content: an overwrite
 * holds both objects for a moment. A write over the limit frees its new
 * object and fails (`failed_writes`), leaving the old content in place.
 * 6.1 tries a failed swap write twice (rw_page, then a bio).
 *
 * Counters carry mm_stat's and io_stat's names. Left out (§12.10):
 * writeback to a backing device, recompression, idle tracking, compaction
 * (`pages_compacted` stays 0), page migration, allocation failures,
 * `miss_free`, metadata, discard and partial-page I/O.
 */
import { compressPage, type Codec, type CompressedPage } from '../compress/codec.js';
import { CompressorError, errorMessage } from '../errors.js';
import { PAGE_SIZE } from '../page.js';
import { CompressionStats } from './compression.js';
import type { Content } from './content.js';
import { ZsmallocPool, type ChainSize } from './pools/zsmalloc.js';

export interface ZramConfig {
  /** Disk size in pages (`disksize` / 4096). */
  disksizePages: number;
  algorithm: string;
  /** limit_pages: ceil(mem_limit / 4096); 0 = no limit. */
  limitPages: number;
}

/** mm_stat and io_stat, in the kernel's units (pages where the kernel counts pages). */
export interface ZramStats {
  /** Indexes that are not empty (the table's size). */
  readonly pages_stored: number;
  compr_data_size: number;
  same_pages: number;
  huge_pages: number;
  huge_pages_since: number;
  max_used_pages: number;
  failed_reads: number;
  failed_writes: number;
  notify_free: number;
  /** Swap reads and writes the device served (the block layer's /sys/block/zramN/stat I/Os; failed writes included). */
  num_reads: number;
  num_writes: number;
}

/** One index's content: what a read returns, and the object behind it. */
class ZramEntry {
  constructor(
    /** zsmalloc handle; 0 for a same-filled index. */
    readonly handle: number,
    /** L: the stored length; 4096 for a huge index, 0 for a same-filled one. */
    readonly length: number,
    /** The compressed bytes (obj only). */
    readonly block: Uint8Array | null,
    /** What the index holds. */
    readonly source: Content,
  ) {}

  get huge(): boolean {
    return this.length === PAGE_SIZE;
  }
}

/** What a read gives: the content, and the block to really decompress (obj only). */
export interface ZramRead {
  content: Content | null;
  block: Uint8Array | null;
}

/** A device's counters, all 0; pages_stored is read from its table. */
function newStats(table: Map<number, ZramEntry>): ZramStats {
  return {
    get pages_stored() {
      return table.size;
    },
    compr_data_size: 0,
    same_pages: 0,
    huge_pages: 0,
    huge_pages_since: 0,
    max_used_pages: 0,
    failed_reads: 0,
    failed_writes: 0,
    notify_free: 0,
    num_reads: 0,
    num_writes: 0,
  };
}

export class ZramDevice {
  private readonly table = new Map<number, ZramEntry>();
  readonly stats = newStats(this.table);
  readonly compression = new CompressionStats();
  readonly pool: ZsmallocPool;

  constructor(
    readonly type: number,
    readonly config: ZramConfig,
    readonly codec: Codec,
    chain: ChainSize,
    /** Attempts per failed swap write: 2 under 6.1 (rw_page, then a bio), else 1. */
    private readonly writeAttempts: 1 | 2,
  ) {
    this.pool = new ZsmallocPool(chain);
  }

  /** zs_huge_class_size: a compressed length from here on is stored as the raw page. */
  get hugeClassSize(): number {
    return this.pool.table.hugeClassSize;
  }

  /**
   * zram_write_page of a swap-out (with 6.1's retry); false when the memory
   * limit refused it. `prepared`: this content compressed ahead with the
   * device's algorithm (the same block as compressing now), for the first
   * attempt; a retry compresses again, as the kernel does.
   */
  writePage(index: number, content: Content, prepared: CompressedPage | null = null): boolean {
    this.stats.num_writes++;
    for (let attempt = 0; attempt < this.writeAttempts; attempt++) {
      if (this.writeOnce(index, content, attempt === 0 ? prepared : null)) return true;
    }
    return false;
  }

  private writeOnce(index: number, content: Content, prepared: CompressedPage | null): boolean {
    const s = this.stats;
    // 1. same-filled: kept as the word, no memory; never fails
    if (content.sameFilled) {
      this.freeIndex(index);
      this.table.set(index, new ZramEntry(0, 0, null, content));
      s.same_pages++;
      return true;
    }
    // 2. compress into a two-page buffer
    let c = prepared;
    if (c === null) {
      try {
        c = compressPage(this.codec, content.bytes);
      } catch (e) {
        throw new CompressorError(`compressor ${this.codec.name} (zram${this.type}) failed: ${errorMessage(e)}`);
      }
    }
    this.compression.recordCompress(c.block.length, c.block.length <= PAGE_SIZE, c.ns);
    // 3. huge: the raw page
    const huge = c.block.length >= this.hugeClassSize;
    const length = huge ? PAGE_SIZE : c.block.length;
    // 4. allocate (never fails: swap-out runs with the reserves)
    const handle = this.pool.malloc(length);
    // 5. the limit, against the pages after this allocation
    const pages = this.pool.pages;
    if (pages > s.max_used_pages) s.max_used_pages = pages;
    if (this.config.limitPages !== 0 && pages > this.config.limitPages) {
      this.pool.free(handle);
      s.failed_writes++;
      return false;
    }
    // 6. only now the old content goes
    this.freeIndex(index);
    // 7.
    this.table.set(index, new ZramEntry(handle, length, huge ? null : c.block, content));
    if (huge) {
      s.huge_pages++;
      s.huge_pages_since++;
    }
    s.compr_data_size += length;
    return true;
  }

  /** zram_read_page: an empty index reads as zeros (content null); `io` counts a swap read (not the final check's look). */
  read(index: number, io = false): ZramRead {
    if (io) this.stats.num_reads++;
    const e = this.table.get(index);
    if (e === undefined) return { content: null, block: null };
    return { content: e.source, block: e.block };
  }

  /** zram_slot_free_notify: every slot free of the device counts, empty or not. */
  slotFreeNotify(index: number): void {
    this.stats.notify_free++;
    this.freeIndex(index);
  }

  /** zram_free_page */
  freeIndex(index: number): void {
    const e = this.table.get(index);
    if (e === undefined) return;
    this.table.delete(index);
    const s = this.stats;
    if (e.handle === 0) {
      s.same_pages--;
      return;
    }
    this.pool.free(e.handle);
    s.compr_data_size -= e.length;
    if (e.huge) s.huge_pages--;
  }

  /** swapoff: every index freed. */
  reset(): void {
    for (const index of [...this.table.keys()]) this.freeIndex(index);
  }

  get indexesHeld(): number {
    return this.table.size;
  }

  checkInvariants(): string | null {
    let same = 0;
    let huge = 0;
    let compr = 0;
    for (const e of this.table.values()) {
      if (e.handle === 0) same++;
      else {
        compr += e.length;
        if (e.huge) huge++;
      }
    }
    const s = this.stats;
    if (s.same_pages !== same || s.huge_pages !== huge || s.compr_data_size !== compr) {
      return `zram${this.type}: mm_stat says ${s.same_pages} same, ${s.huge_pages} huge, ${s.compr_data_size} bytes; its table ${same}, ${huge}, ${compr}`;
    }
    return this.pool.checkInvariants();
  }
}
