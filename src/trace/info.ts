/*
 * `trace info`: what a trace holds, read in one streaming pass. Content
 * classes are by content (a `b:` page of zeros counts as zero), as zswap
 * sees them; the working set is the peak number of pages written and not
 * yet freed.
 */
import { PAGE_SIZE } from '../page.js';
import { readTrace } from './reader.js';

export interface TraceInfo {
  file: string;
  gzip: boolean;
  lines: number;
  text_bytes: number;
  records: { w: number; r: number; f: number; x: number; d: number; o: number };
  address_spaces: number;
  distinct_pages: number;
  content: { zero: number; same_filled: number; other: number };
  data_forms: { z: number; f: number; b: number; '@': number };
  page_data_bytes: number;
  /** File records (SPEC §13.8): filesystems mounted, files written (W or I). */
  filesystems: number;
  files_written: number;
  working_set_pages: number;
  working_set_bytes: number;
}

export async function traceInfo(file: string): Promise<TraceInfo> {
  const records = { w: 0, r: 0, f: 0, x: 0, d: 0, o: 0, M: 0, U: 0, R: 0, W: 0, T: 0, L: 0, I: 0, C: 0 };
  const files = new Set<string>();
  const filesystems = new Set<number>();
  const content = { zero: 0, same_filled: 0, other: 0 };
  const forms = { z: 0, f: 0, b: 0, '@': 0 };
  const seen = new Map<number, Set<number>>();
  const live = new Map<number, Set<number>>();
  let liveCount = 0;
  let peak = 0;
  let distinct = 0;
  const summary = await readTrace(file, (rec) => {
    records[rec.kind]++;
    switch (rec.kind) {
      case 'w': {
        content[rec.content.zero ? 'zero' : rec.content.sameFilled ? 'same_filled' : 'other']++;
        forms[rec.form]++;
        let s = seen.get(rec.as);
        if (!s) seen.set(rec.as, (s = new Set()));
        if (!s.has(rec.vpn)) {
          s.add(rec.vpn);
          distinct++;
        }
        let l = live.get(rec.as);
        if (!l) live.set(rec.as, (l = new Set()));
        if (!l.has(rec.vpn)) {
          l.add(rec.vpn);
          if (++liveCount > peak) peak = liveCount;
        }
        break;
      }
      case 'f':
        if (live.get(rec.as)?.delete(rec.vpn)) liveCount--;
        break;
      case 'x': {
        const l = live.get(rec.as);
        if (l) {
          liveCount -= l.size;
          live.delete(rec.as);
        }
        break;
      }
      case 'W':
      case 'I':
        forms[rec.form]++;
        files.add(`${rec.as}:${rec.vpn}`);
        break;
      case 'M':
        filesystems.add(rec.as);
        break;
      default:
        break;
    }
  });
  const spaces = new Set<number>([...seen.keys()]);
  return {
    file,
    gzip: summary.gzip,
    lines: summary.lines,
    text_bytes: summary.textBytes,
    records,
    address_spaces: spaces.size,
    distinct_pages: distinct,
    content,
    data_forms: forms,
    page_data_bytes: (records.w + records.W + records.I) * PAGE_SIZE,
    filesystems: filesystems.size,
    files_written: files.size,
    working_set_pages: peak,
    working_set_bytes: peak * PAGE_SIZE,
  };
}
