/*
 * A byte per slot that costs memory only where slots are used: the
 * kernel's swap_map is one byte per slot of a device, so a 1 TiB device
 * would take 256 MiB however few slots it uses. Here slots are grouped in
 * chunks of 64 Ki; a chunk's bytes exist only while one of them is
 * non-zero, and reading an absent chunk gives zeros. Scans that look for
 * zero bytes skip absent chunks whole.
 */

const CHUNK_SHIFT = 16;
const CHUNK = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK - 1;

export class SparseBytes {
  private readonly chunks = new Map<number, { bytes: Uint8Array; nonZero: number }>();

  constructor(readonly length: number) {}

  /** Bytes of slot state held: 64 Ki per chunk in use, whatever the length. */
  get bytesHeld(): number {
    let n = 0;
    for (const c of this.chunks.values()) n += c.bytes.length;
    return n;
  }

  get(i: number): number {
    const c = this.chunks.get(i >>> CHUNK_SHIFT);
    return c === undefined ? 0 : c.bytes[i & CHUNK_MASK];
  }

  set(i: number, v: number): void {
    const key = i >>> CHUNK_SHIFT;
    let c = this.chunks.get(key);
    if (c === undefined) {
      if (v === 0) return;
      c = { bytes: new Uint8Array(Math.min(CHUNK, this.length - key * CHUNK)), nonZero: 0 };
      this.chunks.set(key, c);
    }
    const at = i & CHUNK_MASK;
    const old = c.bytes[at];
    if (old === v) return;
    c.bytes[at] = v;
    if (old === 0) c.nonZero++;
    else if (v === 0 && --c.nonZero === 0) this.chunks.delete(key);
  }

  /** Is the chunk holding slot i absent (all zero)? */
  chunkEmpty(i: number): boolean {
    return !this.chunks.has(i >>> CHUNK_SHIFT);
  }

  /** The first slot after i's chunk. */
  static nextChunk(i: number): number {
    return ((i >>> CHUNK_SHIFT) + 1) * CHUNK;
  }

  /** Non-zero slots in ascending order. */
  *nonZero(): IterableIterator<number> {
    for (const key of [...this.chunks.keys()].sort((a, b) => a - b)) {
      const c = this.chunks.get(key)!;
      for (let j = 0; j < c.bytes.length; j++) if (c.bytes[j] !== 0) yield key * CHUNK + j;
    }
  }

  /** Number of non-zero slots. */
  count(): number {
    let n = 0;
    for (const c of this.chunks.values()) n += c.nonZero;
    return n;
  }

  clear(): void {
    this.chunks.clear();
  }
}
