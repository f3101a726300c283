/*
 * Trace writer: the inverse of the reader, for `trace gen`, `trace snapshot`
 * and tests.
 *
 * Each page is written in its shortest faithful form: `z` for a zero page,
 * `f:` for a same-filled page, `b:` otherwise. With `dedup`, content seen
 * before is defined once with `d ID` and referenced as `@ID` from its second
 * use on, which keeps traces of repetitive memory small.
 *
 * Output goes to a temporary file beside the target, renamed over it only
 * when the trace is complete: a failed or interrupted write never leaves a
 * half-written trace under the target's name. A target ending in `.gz` is
 * gzip-compressed.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { OutputError } from '../errors.js';
import { temporaryName } from '../output.js';
import { contentClass, fillWordHex } from '../page.js';
import { HEADER } from './format.js';

export interface WriterOptions {
  /** Define repeated content once (`d`) and reference it (`@ID`). */
  dedup?: boolean;
  /** Force gzip on or off; default: when the file name ends in `.gz`. */
  gzip?: boolean;
  /** gzip level (default 6). */
  level?: number;
}

/** The DATA field for a page, without any `@` reference. */
export function encodeData(page: Uint8Array): string {
  switch (contentClass(page)) {
    case 'zero':
      return 'z';
    case 'same_filled':
      return `f:${fillWordHex(page)}`;
    default:
      return `b:${Buffer.from(page.buffer, page.byteOffset, page.byteLength).toString('base64')}`;
  }
}

export class TraceWriter {
  private readonly tmp: string;
  private readonly out: WriteStream;
  private readonly sink: WriteStream | Gzip;
  private parts: string[] = [];
  private partsBytes = 0;
  private readonly seen = new Map<string, number>();
  private nextId = 1;
  private failed: Error | null = null;
  recordsWritten = 0;

  constructor(
    readonly file: string,
    private readonly options: WriterOptions = {},
  ) {
    this.tmp = temporaryName(file);
    let fd: number;
    try {
      fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw new OutputError(file, e);
    }
    this.out = createWriteStream(this.tmp, { fd });
    this.out.on('error', (e) => (this.failed ??= e));
    const gzip = options.gzip ?? file.endsWith('.gz');
    if (gzip) {
      const z = createGzip({ level: options.level ?? 6 });
      z.on('error', (e) => (this.failed ??= e));
      z.pipe(this.out);
      this.sink = z;
    } else {
      this.sink = this.out;
    }
    this.push(`${HEADER}\n`);
  }

  comment(text: string): void {
    for (const l of text.split('\n')) this.push(`# ${l}\n`);
  }

  define(id: number, page: Uint8Array): void {
    this.record(`d ${id} ${encodeData(page)}`);
  }

  /**
   * Defines a page content up front (`d`), so that every write of it is
   * `@ID` (with `dedup`; zero and same-filled pages stay inline, they are short).
   */
  defineShared(page: Uint8Array): void {
    if (!this.options.dedup || contentClass(page) !== 'other') return;
    const key = createHash('sha1').update(page).digest('base64');
    if ((this.seen.get(key) ?? 0) > 0) return;
    const id = this.nextId++;
    this.seen.set(key, id);
    this.define(id, page);
  }

  write(as: number, vpn: number, page: Uint8Array): void {
    this.record(`w ${as} 0x${vpn.toString(16)} ${this.data(page)}`);
  }

  read(as: number, vpn: number): void {
    this.record(`r ${as} 0x${vpn.toString(16)}`);
  }

  /** An `o` record: page the page out now (MADV_PAGEOUT). */
  pageout(as: number, vpn: number): void {
    this.record(`o ${as} 0x${vpn.toString(16)}`);
  }

  free(as: number, vpn: number): void {
    this.record(`f ${as} 0x${vpn.toString(16)}`);
  }

  // file records (SPEC §13.8)

  mount(fs: number): void {
    this.record(`M ${fs}`);
  }

  umount(fs: number): void {
    this.record(`U ${fs}`);
  }

  fileRead(fs: number, ino: number, idx: number): void {
    this.record(`R ${fs} ${ino} ${idx}`);
  }

  fileWrite(fs: number, ino: number, idx: number, page: Uint8Array): void {
    this.record(`W ${fs} ${ino} ${idx} ${this.data(page)}`);
  }

  truncate(fs: number, ino: number, pages: number): void {
    this.record(`T ${fs} ${ino} ${pages}`);
  }

  unlink(fs: number, ino: number): void {
    this.record(`L ${fs} ${ino}`);
  }

  directWrite(fs: number, ino: number, idx: number, page: Uint8Array): void {
    this.record(`I ${fs} ${ino} ${idx} ${this.data(page)}`);
  }

  dropCaches(): void {
    this.record('C');
  }

  exit(as: number): void {
    this.record(`x ${as}`);
  }

  /** Flushes, closes and renames into place. Returns once the file is complete. */
  async close(): Promise<void> {
    try {
      await this.flush();
      await new Promise<void>((resolve, reject) => {
        this.out.once('close', resolve);
        this.out.once('error', reject);
        this.sink.end();
      });
      if (this.failed) throw this.failed;
      await rename(this.tmp, this.file);
    } catch (e) {
      await unlink(this.tmp).catch(() => {});
      throw e instanceof OutputError ? e : new OutputError(this.file, e);
    }
  }

  /** Abandons the output: the target is left untouched. */
  async abort(): Promise<void> {
    this.sink.destroy();
    this.out.destroy();
    await unlink(this.tmp).catch(() => {});
  }

  /** Waits until buffered output has drained (call between large batches). */
  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.partsBytes = 0;
    if (!this.sink.write(chunk)) {
      await new Promise<void>((resolve) => this.sink.once('drain', resolve));
    }
    if (this.failed) throw this.failed;
  }

  /** True when enough output is buffered that the caller should await flush(). */
  get wantsFlush(): boolean {
    return this.partsBytes > 1 << 20;
  }

  private data(page: Uint8Array): string {
    if (!this.options.dedup || contentClass(page) !== 'other') return encodeData(page);
    const key = createHash('sha1').update(page).digest('base64');
    const id = this.seen.get(key);
    if (id === undefined) {
      this.seen.set(key, 0);
      return encodeData(page);
    }
    if (id > 0) return `@${id}`;
    const fresh = this.nextId++;
    this.seen.set(key, fresh);
    this.define(fresh, page);
    return `@${fresh}`;
  }

  private record(line: string): void {
    this.recordsWritten++;
    this.push(`${line}\n`);
  }

  private push(s: string): void {
    this.parts.push(s);
    this.partsBytes += s.length;
  }
}
