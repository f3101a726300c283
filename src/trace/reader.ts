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
 * delivered.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { InputError } from '../errors.js';
import {
  HEADER,
  LineError,
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
  /** Called with the compressed bytes consumed so far, for progress display. */
  onProgress?: (fileBytesRead: number) => void;
}

const NL = 0x0a;
const CR = 0x0d;
const HASH = 0x23;

/** Parses lines one at a time; owns the `d` definitions and the reused record. */
export class TraceParser {
  readonly defs = new Map<string, Content>();
  private readonly tokens = new Tokens();
  private headerSeen = false;
  readonly rec: TraceRecord = { kind: 'r', line: 0, as: 0, vpn: 0, content: ZERO_CONTENT, form: 'z', id: '' };

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
      default:
        throw new LineError(`unknown record ${quoteField(buf, s0, t.ends[0])}`);
    }
  }

  private expectFields(buf: Uint8Array, t: Tokens, kind: string, fields: string): void {
    const want = fields.split(' ').length + 1;
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
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  // A deep buffer lets gunzip (in the libuv pool) run ahead while records are replayed.
  // (zlib streams pass stream options through to Transform, though ZlibOptions does not declare them)
  const source = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 20, highWaterMark: 16 << 20 } as ZlibOptions)) : raw;
  if (gzip) raw.on('error', (e) => source.destroy(e));

  let line = 0;
  let records = 0;
  let textBytes = 0;
  let carry: Buffer | null = null;

  const handle = (buf: Uint8Array, start: number, end: number): void | Promise<void> => {
    line++;
    const rec = parser.parseLine(buf, start, end, line);
    if (rec === null) return;
    records++;
    return onRecord(rec);
  };

  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      textBytes += chunk.length;
      options.onProgress?.(raw.bytesRead);
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
  } catch (e) {
    source.destroy();
    raw.destroy();
    if (e instanceof InputError || !(e instanceof Error) || !('code' in e)) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code === 'ERR_PADDING_1' || /unexpected end|incorrect header|invalid/i.test(e.message)) {
      throw new InputError(file, line + 1, `gzip stream is truncated or corrupt (${e.message}); the records before this line were read`);
    }
    throw new InputError(file, line + 1, describeOpenError(e));
  }
  if (carry !== null) await handle(carry, 0, carry.length);
  if (!parser.sawHeader) throw new InputError(file, Math.max(line, 1), `empty trace: no '${HEADER}' header`);
  return { lines: line, records, textBytes, gzip };
}

function longLine(file: string, line: number): InputError {
  return new InputError(file, line, `line is longer than ${MAX_LINE_BYTES} bytes: not a trace (binary data or a missing newline?)`);
}
