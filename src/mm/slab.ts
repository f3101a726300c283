/*
 * Page-frame storage: the bytes behind resident pages, zbud pool pages and
 * swap-device slots.
 *
 * Frames live in 1 MiB ArrayBuffers of 256 pages and are named by an index,
 * so the simulator's memory is about the bytes it simulates, with no per-page
 * object or GC pressure. Freed indices are reused LIFO. Views are
 * 8-byte-aligned, as the page helpers expect.
 */
import { PAGE_SIZE } from '../page.js';

const CHUNK_PAGES = 256;

export class PageSlab {
  private readonly chunks: Uint8Array[] = [];
  private readonly freeList: number[] = [];
  private capacity = 0;
  used = 0;

  alloc(): number {
    this.used++;
    const i = this.freeList.pop();
    if (i !== undefined) return i;
    if (this.capacity === this.chunks.length * CHUNK_PAGES) {
      this.chunks.push(new Uint8Array(CHUNK_PAGES * PAGE_SIZE));
    }
    return this.capacity++;
  }

  release(index: number): void {
    this.used--;
    this.freeList.push(index);
  }

  /** The frame's 4096 bytes (a view: writes go to the frame). */
  page(index: number): Uint8Array {
    const chunk = this.chunks[(index / CHUNK_PAGES) | 0];
    const off = (index % CHUNK_PAGES) * PAGE_SIZE;
    return chunk.subarray(off, off + PAGE_SIZE);
  }
}
