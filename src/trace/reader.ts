/*
 * Streaming trace reader (SPEC §2).
 *
 * The file is read in 1 MiB chunks (through gunzip when it starts with the
 * gzip magic 0x1f 0x8b), split into lines without copying except for a line
 * that straddles two chunks, and each record is handed to a callback as soon
 * as it is parsed: records are replayed as they are read, so the first stop
 * in trace order decides a run's outcome. Memory stays flat whatever the
 * trace's length, apart from the `d` definitions, which the format asks us to
 * keep.
 *
 * Every problem is an InputError `FILE:LINE: what is wrong`; a truncated gzip
 * stream is reported at the line it cut, after the lines before it were
 * delivered; garbage after a complete gzip stream is reported as such, after
 * every line of the stream was delivered.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createGunzip, inflateRawSync, type ZlibOptions } from 'node:zlib';
import { InputError } from '../errors.js';
import {
  HEADER,
  LineError,
  MAX_IDX,
  MAX_AS,
  MAX_LINE_BYTES,
  Tokens,
  binaryByte,
  parseData,
  parseDecimal,
  parseId,
  parseVpn,
  quoteField,
  type TraceRecord,
} from './format.js';
import { ZERO_CONTENT, type Content } from '../mm/content.js';

export type RecordHandler = (rec: TraceRecord) => void | Promise<void>;

export interface ReadSummary {
  /** Lines read, meaningful or not. */
  lines: number;
  /** Records delivered (header and comments excluded). */
  records: number;
  /** Bytes of trace text after decompression. */
  textBytes: number;
  gzip: boolean;
}

export interface ReadOptions {
  /** Called every PROGRESS_LINES lines and at the end (progress counts lines replayed). */
  onProgress?: () => void;
}

const NL = 0x0a;
const CR = 0x0d;
const HASH = 0x23;

/** Parses lines one at a time; owns the `d` definitions and the reused record. */
export class TraceParser {
  readonly defs = new Map<string, Content>();
  private readonly tokens = new Tokens();
  private headerSeen = false;
  readonly rec: TraceRecord = { kind: 'r', line: 0, as: 0, vpn: 0, idx: 0, content: ZERO_CONTENT, form: 'z', id: '' };
  /** Filesystems mounted (M) and not yet unmounted (U): file records need one. */
  private readonly mounted = new Set<number>();

  constructor(readonly file: string) {}

  get sawHeader(): boolean {
    return this.headerSeen;
  }

  /**
   * Parses buf[start, end) (no newline), the line numbered `line`.
   * Returns the record, or null for a blank, comment or header line.
   */
  parseLine(buf: Uint8Array, start: number, end: number, line: number): TraceRecord | null {
    if (end > start && buf[end - 1] === CR) end--;
    const t = this.tokens;
    t.split(buf, start, end);
    if (t.count === 0 || buf[t.starts[0]] === HASH) return null;
    try {
      if (!this.headerSeen) {
        this.parseHeader(buf, t);
        this.headerSeen = true;
        return null;
      }
      return this.parseRecord(buf, t, line);
    } catch (e) {
      if (e instanceof LineError) {
        throw new InputError(this.file, line, binaryByte(buf, start, end) ?? e.message);
      }
      throw e;
    }
  }

  private parseHeader(buf: Uint8Array, t: Tokens): void {
    const first = Buffer.from(buf.buffer, buf.byteOffset + t.starts[0], t.ends[0] - t.starts[0]).toString('latin1');
    if (first !== 'ztrace' || t.count < 2) {
      throw new LineError(`missing header: the first line must be '${HEADER}', got ${quoteField(buf, t.starts[0], t.ends[t.count > 1 ? 1 : 0])}`);
    }
    if (t.count > 2) throw new LineError(`extra field after the header '${HEADER}'`);
    let version: number;
    try {
      version = parseDecimal(buf, t.starts[1], t.ends[1], 1e9, 'trace version');
    } catch {
      throw new LineError(`bad trace version ${quoteField(buf, t.starts[1], t.ends[1])}: expected '${HEADER}'`);
    }
    if (version !== 1) throw new LineError(`unsupported trace version ${version}: this program reads version 1`);
  }

  private parseRecord(buf: Uint8Array, t: Tokens, line: number): TraceRecord {
    const rec = this.rec;
    rec.line = line;
    const s0 = t.starts[0];
    if (t.ends[0] - s0 !== 1) throw new LineError(`unknown record ${quoteField(buf, s0, t.ends[0])}`);
    const kind = buf[s0];
    switch (kind) {
      case 0x77 /* w */:
        this.expectFields(buf, t, 'w', 'AS VPN DATA');
        rec.kind = 'w';
        rec.as = parseDecimal(buf, t.starts[1], t.ends[1], MAX_AS, 'address space');
        rec.vpn = parseVpn(buf, t.starts[2], t.ends[2]);
        rec.content = parseData(buf, t.starts[3], t.ends[3], this.defs, rec);
        return rec;
      case 0x72 /* r */:
      case 0x66 /* f */:
      case 0x6f /* o */: {
        const k = kind === 0x72 ? 'r' : kind === 0x66 ? 'f' : 'o';
        this.expectFields(buf, t, k, 'AS VPN');
        rec.kind = k;
        rec.as = parseDecimal(buf, t.starts[1], t.ends[1], MAX_AS, 'address space');
        rec.vpn = parseVpn(buf, t.starts[2], t.ends[2]);
        return rec;
      }
      case 0x78 /* x */:
        this.expectFields(buf, t, 'x', 'AS');
        rec.kind = 'x';
        rec.as = parseDecimal(buf, t.starts[1], t.ends[1], MAX_AS, 'address space');
        rec.vpn = 0;
        return rec;
      case 0x64 /* d */: {
        this.expectFields(buf, t, 'd', 'ID DATA');
        rec.kind = 'd';
        rec.as = 0;
        rec.vpn = 0;
        const id = parseId(buf, t.starts[1], t.ends[1]);
        const content = parseData(buf, t.starts[2], t.ends[2], null, rec);
        this.defs.set(id, content);
        rec.id = id;
        rec.content = content;
        return rec;
      }
      case 0x4d /* M */:
      case 0x55 /* U */: {
        const k = kind === 0x4d ? 'M' : 'U';
        this.expectFields(buf, t, k, 'FS');
        rec.kind = k;
        rec.as = parseDecimal(buf, t.starts[1], t.ends[1], MAX_AS, 'filesystem');
        rec.vpn = 0;
        rec.idx = 0;
        if (k === 'M') {
          if (this.mounted.has(rec.as)) throw new LineError(`filesystem ${rec.as} is already mounted`);
          this.mounted.add(rec.as);
        } else {
          this.requireMounted(rec.as, 'U');
          this.mounted.delete(rec.as);
        }
        return rec;
      }
      case 0x52 /* R */:
      case 0x57 /* W */:
      case 0x54 /* T */:
      case 0x4c /* L */:
      case 0x49 /* I */: {
        const k = kind === 0x52 ? 'R' : kind === 0x57 ? 'W' : kind === 0x54 ? 'T' : kind === 0x4c ? 'L' : 'I';
        const fields = k === 'R' ? 'FS INO IDX' : k === 'T' ? 'FS INO N' : k === 'L' ? 'FS INO' : 'FS INO IDX DATA';
        this.expectFields(buf, t, k, fields);
        rec.kind = k;
        rec.as = parseDecimal(buf, t.starts[1], t.ends[1], MAX_AS, 'filesystem');
        rec.vpn = parseVpn(buf, t.starts[2], t.ends[2], 'inode');
        rec.idx = k === 'L' ? 0 : parseDecimal(buf, t.starts[3], t.ends[3], MAX_IDX, k === 'T' ? 'size in pages' : 'page index');
        if (k === 'W' || k === 'I') rec.content = parseData(buf, t.starts[4], t.ends[4], this.defs, rec);
        this.requireMounted(rec.as, k);
        return rec;
      }
      case 0x43 /* C */:
        this.expectFields(buf, t, 'C', '');
        rec.kind = 'C';
        rec.as = 0;
        rec.vpn = 0;
        rec.idx = 0;
        return rec;
      default:
        throw new LineError(`unknown record ${quoteField(buf, s0, t.ends[0])}`);
    }
  }

  private requireMounted(fs: number, kind: string): void {
    if (!this.mounted.has(fs)) throw new LineError(`${kind} record on filesystem ${fs}, which is not mounted (M ${fs} first)`);
  }

  private expectFields(buf: Uint8Array, t: Tokens, kind: string, fields: string): void {
    // the count of tokens a record has, by its field list (cached: this runs once per line)
    let want = FIELD_COUNTS.get(fields);
    if (want === undefined) FIELD_COUNTS.set(fields, (want = fields === '' ? 1 : fields.split(' ').length + 1));
    if (t.count === want) return;
    if (t.count < want) {
      throw new LineError(`${kind} record needs ${want - 1} field${want > 2 ? 's' : ''} (${kind} ${fields}), got ${t.count - 1}`);
    }
    if (t.count > want) {
      const i = Math.min(want, 5);
      throw new LineError(`extra field ${quoteField(buf, t.starts[i], t.ends[i])} after ${kind} ${fields}`);
    }
  }
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

function describeOpenError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'cannot read the trace: no such file';
  if (code === 'EACCES') return 'cannot read the trace: permission denied';
  if (code === 'EISDIR') return 'cannot read the trace: it is a directory';
  return `cannot read the trace: ${(e as Error).message}`;
}

/**
 * Reads a whole trace, calling onRecord for each record in order. A handler
 * that returns a promise is awaited before the next line is parsed.
 */
export async function readTrace(file: string, onRecord: RecordHandler, options: ReadOptions = {}): Promise<ReadSummary> {
  let gzip: boolean;
  try {
    gzip = await isGzip(file);
  } catch (e) {
    throw new InputError(file, 0, describeOpenError(e));
  }
  const parser = new TraceParser(file);
  let line = 0;
  let records = 0;
  let textBytes = 0;
  let carry: Buffer | null = null;

  const handle = (buf: Uint8Array, start: number, end: number): void | Promise<void> => {
    line++;
    if (line % PROGRESS_LINES === 0) options.onProgress?.();
    const rec = parser.parseLine(buf, start, end, line);
    if (rec === null) return;
    records++;
    return onRecord(rec);
  };

  /** Splits the text into lines and replays them, skipping its first `skip` bytes (already replayed). */
  const consume = async (source: AsyncIterable<Buffer>, skip: number): Promise<void> => {
    for await (const whole of source) {
      let chunk = whole;
      if (skip > 0) {
        const drop = Math.min(skip, chunk.length);
        skip -= drop;
        chunk = chunk.subarray(drop);
        if (chunk.length === 0) continue;
      }
      textBytes += chunk.length;
      let pos = 0;
      if (carry !== null) {
        const nl = chunk.indexOf(NL);
        if (nl < 0) {
          if (carry.length + chunk.length > MAX_LINE_BYTES) throw longLine(file, line + 1);
          carry = Buffer.concat([carry, chunk]);
          continue;
        }
        if (carry.length + nl > MAX_LINE_BYTES) throw longLine(file, line + 1);
        const joined = Buffer.concat([carry, chunk.subarray(0, nl)]);
        carry = null;
        const pending = handle(joined, 0, joined.length);
        if (pending) await pending;
        pos = nl + 1;
      }
      for (;;) {
        const nl = chunk.indexOf(NL, pos);
        if (nl < 0) break;
        if (nl - pos > MAX_LINE_BYTES) throw longLine(file, line + 1);
        const pending = handle(chunk, pos, nl);
        if (pending) await pending;
        pos = nl + 1;
      }
      if (pos < chunk.length) {
        if (chunk.length - pos > MAX_LINE_BYTES) throw longLine(file, line + 1);
        carry = Buffer.from(chunk.subarray(pos));
      }
    }
  };

  /** A last line without a newline. (`carry` is set in consume: TypeScript cannot see it from here.) */
  const lastLine = async (): Promise<void> => {
    const rest = carry as Buffer | null;
    if (rest !== null) await handle(rest, 0, rest.length);
  };

  /** The file (up to byte `end`), through gunzip when it is gzip. */
  const open = (end?: number): { raw: ReadStream; source: AsyncIterable<Buffer> & { destroy(): void } } => {
    const raw = createReadStream(file, { highWaterMark: 1 << 20, end });
    // A deep buffer lets gunzip (in the libuv pool) run ahead while records are replayed.
    // (zlib streams pass stream options through to Transform, though ZlibOptions does not declare them)
    const source = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 20, highWaterMark: 16 << 20 } as ZlibOptions)) : raw;
    if (gzip) raw.on('error', (e) => source.destroy(e));
    return { raw, source };
  };

  const first = open();
  try {
    await consume(first.source, 0);
  } catch (e) {
    first.source.destroy();
    first.raw.destroy();
    // Garbage after a complete gzip stream fails gunzip before the text of the
    // stream's last chunk is delivered: read the good part again, replay what
    // was not replayed yet, then say what follows it.
    const garbage = gzip && e instanceof Error && /incorrect header check|unknown compression method/i.test(e.message) ? await gzipGarbageAt(file) : null;
    if (garbage === null) throw readError(file, line + 1, e);
    const again = open(garbage.offset - 1);
    try {
      await consume(again.source, textBytes);
    } catch (e2) {
      again.source.destroy();
      throw readError(file, line + 1, e2);
    }
    await lastLine();
    throw new InputError(
      file,
      0,
      `trailing garbage after the end of the gzip stream (the last ${garbage.trailing.toLocaleString('en-US')} bytes, from byte ${garbage.offset.toLocaleString('en-US')}, are not gzip data); the ${line.toLocaleString('en-US')} lines before them were read`,
    );
  }
  await lastLine();
  options.onProgress?.();
  if (!parser.sawHeader) throw new InputError(file, Math.max(line, 1), `empty trace: no '${HEADER}' header`);
  return { lines: line, records, textBytes, gzip };
}

/** Tokens of a record, by its field list. */
const FIELD_COUNTS = new Map<string, number>();

/** Lines between progress reports. */
const PROGRESS_LINES = 4096;

/** A read or gunzip failure as an InputError at `line`. */
function readError(file: string, line: number, e: unknown): unknown {
  if (e instanceof InputError || !(e instanceof Error) || !('code' in e)) return e;
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('Z_') || code === 'ERR_PADDING_1' || /unexpected end|incorrect header|invalid/i.test(e.message)) {
    return new InputError(file, line, `gzip stream is truncated or corrupt (${e.message}); the records before this line were read`);
  }
  return new InputError(file, line, describeOpenError(e));
}

/** Files up to this size are examined for trailing garbage (in memory; only after gunzip failed). */
const GARBAGE_CHECK_MAX = 1 << 30;

/**
 * Where a gzip file stops being gzip: walks its members (header, deflate
 * stream, 8-byte trailer) and returns the offset of the first byte that
 * does not start a member, or null when the file is members only (the
 * error was elsewhere), does not start with one, or is too large to check.
 */
async function gzipGarbageAt(file: string): Promise<{ offset: number; trailing: number } | null> {
  const buf = await readFile(file).catch(() => null);
  if (buf === null || buf.length > GARBAGE_CHECK_MAX) return null;
  let offset = 0;
  let members = 0;
  while (offset < buf.length) {
    const body = gzipHeaderEnd(buf, offset);
    if (body === null) break;
    let consumed: number;
    try {
      consumed = (inflateRawSync(buf.subarray(body), { info: true }) as unknown as { engine: { bytesWritten: number } }).engine.bytesWritten;
    } catch {
      return null; // corrupt inside a member: not trailing garbage
    }
    if (body + consumed + 8 > buf.length) return null; // truncated trailer
    offset = body + consumed + 8;
    members++;
  }
  return members > 0 && offset < buf.length ? { offset, trailing: buf.length - offset } : null;
}

/** The offset where a gzip member's deflate data starts, or null when no member header is at `at` (RFC 1952). */
function gzipHeaderEnd(buf: Buffer, at: number): number | null {
  if (buf.length - at < 10 || buf[at] !== 0x1f || buf[at + 1] !== 0x8b || buf[at + 2] !== 8) return null;
  const flags = buf[at + 3];
  let p = at + 10;
  if (flags & 4) {
    if (p + 2 > buf.length) return null;
    p += 2 + buf.readUInt16LE(p); // FEXTRA
  }
  for (const bit of [8, 16]) {
    // FNAME, FCOMMENT: zero-terminated
    if (flags & bit) {
      const z = buf.indexOf(0, p);
      if (z < 0) return null;
      p = z + 1;
    }
  }
  if (flags & 2) p += 2; // FHCRC
  return p <= buf.length ? p : null;
}

function longLine(file: string, line: number): InputError {
  return new InputError(file, line, `line is longer than ${MAX_LINE_BYTES} bytes: not a trace (binary data or a missing newline?)`);
}
