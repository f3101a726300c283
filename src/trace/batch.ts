/*
 * Parsed records in binary batches, the form in which the reader worker
 * (workers/reader.ts) hands a trace to the main thread: one transferred
 * ArrayBuffer per batch, no object per record on the way.
 *
 *   records: u32 count | u32 pages | records[count] (28 bytes each)
 *   pages:   pages[pages] (4096 bytes each), a second buffer, absent when
 *            the batch has no page data
 *
 * A record: u8 kind | u8 form | u16 0 | u32 line | u32 as | u32 vpn (low) |
 * u32 vpn (high) | u32 ref | u32 idx. For `w`, `W`, `I` and `d`, `ref` is the index of the
 * page's bytes in this batch (DATA b: or f:), or — DATA @ID — the slot the
 * reader gave that ID's current definition; `d` records carry their slot in
 * `as`. Slots are numbers the reader hands out, one per definition, so the
 * main thread keeps definitions in a plain array whatever the IDs look like.
 */
import { Content, ZERO_CONTENT } from '../mm/content.js';
import { PAGE_SIZE } from '../page.js';
import type { DataForm, RecordKind, TraceRecord } from './format.js';

const HEADER = 8;
const RECORD = 28;
const KINDS: RecordKind[] = ['w', 'r', 'f', 'x', 'd', 'o', 'M', 'U', 'R', 'W', 'T', 'L', 'I', 'C'];
/** Records that carry page content. */
const WITH_DATA = new Set<RecordKind>(['w', 'd', 'W', 'I']);
const FORMS: DataForm[] = ['z', 'f', 'b', '@'];

/** Records and pages per batch at most. */
export const BATCH_RECORDS = 1024;
export const BATCH_PAGES = 128;

export interface Batch {
  records: ArrayBuffer;
  pages: ArrayBuffer | null;
}

/** Builds one batch (reader side). */
export class BatchWriter {
  private records = new ArrayBuffer(HEADER + BATCH_RECORDS * RECORD);
  private view = new DataView(this.records);
  private pageBuf: Uint8Array | null = null;
  count = 0;
  pages = 0;

  get full(): boolean {
    return this.count === BATCH_RECORDS || this.pages === BATCH_PAGES;
  }

  /** Appends a record; `page` (b:, f:) is copied in, `ref` is an @ID's slot, `defSlot` a d record's own slot. */
  add(rec: TraceRecord, page: Uint8Array | null, ref: number, defSlot: number): void {
    const at = HEADER + this.count * RECORD;
    const v = this.view;
    v.setUint8(at, KINDS.indexOf(rec.kind));
    v.setUint8(at + 1, FORMS.indexOf(rec.form));
    v.setUint32(at + 4, rec.line, true);
    v.setUint32(at + 8, rec.kind === 'd' ? defSlot : rec.as, true);
    v.setUint32(at + 12, rec.vpn % 2 ** 32, true);
    v.setUint32(at + 16, Math.floor(rec.vpn / 2 ** 32), true);
    v.setUint32(at + 24, rec.idx, true);
    if (page !== null) {
      this.pageBuf ??= new Uint8Array(BATCH_PAGES * PAGE_SIZE);
      this.pageBuf.set(page, this.pages * PAGE_SIZE);
      v.setUint32(at + 20, this.pages++, true);
    } else {
      v.setUint32(at + 20, ref, true);
    }
    this.count++;
  }

  /** The finished batch (to transfer); the writer starts a new one. */
  take(): Batch {
    this.view.setUint32(0, this.count, true);
    this.view.setUint32(4, this.pages, true);
    const out: Batch = { records: this.records, pages: this.pageBuf === null ? null : this.pageBuf.buffer as ArrayBuffer };
    this.records = new ArrayBuffer(HEADER + BATCH_RECORDS * RECORD);
    this.view = new DataView(this.records);
    this.pageBuf = null;
    this.count = 0;
    this.pages = 0;
    return out;
  }
}

/**
 * Turns batches back into records (main side): each new page becomes a
 * Content with bytes of its own; @ID references resolve to the Content of
 * that definition. The record object is reused.
 */
export class BatchReader {
  private readonly defs: Content[] = [];
  readonly rec: TraceRecord = { kind: 'r', line: 0, as: 0, vpn: 0, idx: 0, content: ZERO_CONTENT, form: 'z', id: '' };

  /** Calls onRecord for every record of the batch, in order; a returned promise is awaited. */
  async replay(batch: Batch, onRecord: (rec: TraceRecord) => Promise<void> | null): Promise<void> {
    const v = new DataView(batch.records);
    const count = v.getUint32(0, true);
    const rec = this.rec;
    for (let i = 0; i < count; i++) {
      const at = HEADER + i * RECORD;
      rec.kind = KINDS[v.getUint8(at)];
      rec.form = FORMS[v.getUint8(at + 1)];
      rec.line = v.getUint32(at + 4, true);
      rec.as = v.getUint32(at + 8, true);
      rec.vpn = v.getUint32(at + 12, true) + v.getUint32(at + 16, true) * 2 ** 32;
      rec.idx = v.getUint32(at + 24, true);
      if (WITH_DATA.has(rec.kind)) {
        const ref = v.getUint32(at + 20, true);
        if (rec.form === 'z') rec.content = ZERO_CONTENT;
        else if (rec.form === '@') rec.content = this.defs[ref];
        else rec.content = new Content(new Uint8Array(batch.pages!.slice(ref * PAGE_SIZE, (ref + 1) * PAGE_SIZE)));
        if (rec.kind === 'd') {
          this.defs[rec.as] = rec.content;
          rec.as = 0;
        }
      }
      const pending = onRecord(rec);
      if (pending !== null) await pending;
    }
  }
}
