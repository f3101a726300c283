/* Page sets for benchmarks: the shared real-memory corpus (when present) and pages of generated traces. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAGE_SIZE } from '../src/page.js';
import { readTrace } from '../src/trace/reader.js';
import { ROOT } from './common.js';

/** ../shared/corpus/python-heap.pages beside the repository, if this checkout has it. */
export function corpusPages(): Uint8Array[] | null {
  const file = join(ROOT, '..', 'shared', 'corpus', 'python-heap.pages');
  if (!existsSync(file)) return null;
  const buf = readFileSync(file);
  const pages: Uint8Array[] = [];
  for (let off = 0; off + PAGE_SIZE <= buf.length; off += PAGE_SIZE) pages.push(new Uint8Array(buf.subarray(off, off + PAGE_SIZE)));
  return pages;
}

/** The content of every `w` record of a trace (at most `limit`). */
export async function tracePages(file: string, limit = Infinity): Promise<Uint8Array[]> {
  const pages: Uint8Array[] = [];
  await readTrace(file, (r) => {
    if (r.kind === 'w' && pages.length < limit) pages.push(r.content.bytes);
  });
  return pages;
}
