/*
 * The benchmarks' "real process" trace, generated without ../shared: like
 * the trace of issue #11 (a 412 000-access trace over 12 000 pages of a
 * live process's memory), 12 000 distinct page contents modelled on a
 * CPython heap (src/trace/gen/content.ts) are written once each, then
 * 400 000 accesses follow with Zipf(1.0) popularity, 20 % of them writes of
 * one of those contents (`@ID`, as `trace snapshot` writes repeated content).
 * In 16 MiB of RAM it faults, writes back and reuses contents all the time.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PAGE_SIZE } from '../src/page.js';
import { CONTENT_KINDS, DEFAULT_MIX, fillPage } from '../src/trace/gen/content.js';
import { Rng, Zipf } from '../src/trace/gen/random.js';
import { TraceWriter } from '../src/trace/writer.js';
import { CACHE } from './common.js';

const BASE_VPN = 0x55d0a;

export async function reuseTrace(pages = 12000, ops = 400000): Promise<string> {
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `reuse-${pages}-${ops}.trace.gz`);
  if (existsSync(file)) return file;
  process.stderr.write(`generating ${file} …\n`);
  const w = new TraceWriter(file, { dedup: true });
  const rng = new Rng(3);
  const contents: Uint8Array[] = [];
  for (let i = 0; i < pages; i++) {
    const p = new Uint8Array(PAGE_SIZE);
    fillPage(p, CONTENT_KINDS[rng.weighted(DEFAULT_MIX)], rng);
    contents.push(p);
  }
  for (let i = 0; i < pages; i++) {
    w.write(1, BASE_VPN + i, contents[i]);
    if (w.wantsFlush) await w.flush();
  }
  const byRank = Array.from({ length: pages }, (_, i) => i);
  for (let i = pages - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [byRank[i], byRank[j]] = [byRank[j], byRank[i]];
  }
  const zipf = new Zipf(pages, 1.0, rng);
  for (let i = 0; i < ops; i++) {
    const vpn = BASE_VPN + byRank[zipf.next()];
    if (rng.chance(0.2)) w.write(1, vpn, contents[rng.int(pages)]);
    else w.read(1, vpn);
    if (w.wantsFlush) await w.flush();
  }
  await w.close();
  return file;
}
