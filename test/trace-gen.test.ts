import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import lz4 from 'lz4-wasm-nodejs';
import { CONTENT_KINDS, DEFAULT_MIX, fillPage } from '../src/trace/gen/content.js';
import { Rng } from '../src/trace/gen/random.js';
import { WORKLOADS } from '../src/trace/gen/workloads.js';
import { traceInfo } from '../src/trace/info.js';
import { PAGE_SIZE } from '../src/page.js';
import { cli, tmp } from './helpers.js';

describe('trace gen', () => {
  for (const name of Object.keys(WORKLOADS)) {
    it(`${name}: deterministic for a seed, and readable by trace info`, async () => {
      const a = join(tmp, `${name}-a.trace.gz`);
      const b = join(tmp, `${name}-b.trace.gz`);
      const c = join(tmp, `${name}-c.trace.gz`);
      for (const [file, seed] of [
        [a, '5'],
        [b, '5'],
        [c, '6'],
      ]) {
        const r = await cli('trace', 'gen', name, '-o', file, '--seed', seed, '--pages', '300', '--ops', '900');
        expect(r.code).toBe(0);
      }
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
      expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
      const info = await traceInfo(a);
      expect(info.gzip).toBe(true);
      const rec = info.records;
      expect(rec.w + rec.W).toBeGreaterThanOrEqual(300);
      // --ops is the number of accesses after the 300 initial writes, exactly (files: every record but mount and umount)
      const ops = name === 'files' ? rec.w + rec.r + rec.W + rec.R + rec.I + rec.T + rec.L + rec.C : rec.w + rec.r + rec.f + rec.x;
      expect(ops).toBe(300 + 900);
      expect(info.working_set_pages).toBeGreaterThanOrEqual(Math.min(300, info.distinct_pages));
      const { code, stdout } = await cli('trace', 'info', a, '--json');
      expect(code).toBe(0);
      expect(JSON.parse(stdout).records).toEqual(info.records);
    });
  }

  it('mixed has several address spaces, frees and exits', async () => {
    const file = join(tmp, 'mixed.trace');
    await cli('trace', 'gen', 'mixed', '-o', file, '--pages', '400', '--ops', '3000');
    const info = await traceInfo(file);
    expect(info.gzip).toBe(false);
    expect(info.address_spaces).toBeGreaterThanOrEqual(4);
    expect(info.records.f).toBeGreaterThan(0);
    expect(info.records.x).toBe(2);
    expect(info.content.zero).toBeGreaterThan(0);
    expect(info.content.same_filled).toBeGreaterThan(0);
  });

  it('pageout writes every page, pages each out in address order, then reads', async () => {
    const file = join(tmp, 'pageout.trace');
    const r = await cli('trace', 'gen', 'pageout', '-o', file, '--pages', '50', '--ops', '70');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('50 pages, 70 ops');
    const info = await traceInfo(file);
    expect(info.records).toMatchObject({ w: 50, o: 50, r: 70, f: 0, x: 0 });
    const text = readFileSync(file, 'utf8').split('\n');
    const outs = text.filter((l) => l.startsWith('o ')).map((l) => parseInt(l.split(' ')[2], 16));
    expect(outs).toEqual([...outs].sort((a, b) => a - b));
  });

  it('dup: --ops 1000 writes 1000 accesses after the initial writes', async () => {
    const file = join(tmp, 'dup-ops.trace');
    const r = await cli('trace', 'gen', 'dup', '-o', file, '--pages', '1000', '--ops', '1000');
    expect(r.code).toBe(0);
    const info = await traceInfo(file);
    expect(info.records.w + info.records.r).toBe(2000);
  });

  it('rejects an unknown workload with status 2', async () => {
    const r = await cli('trace', 'gen', 'nope', '-o', join(tmp, 'x.trace'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("workload: 'nope' is not one of mixed, scan, zipf, dup, pageout, files");
  });

  it('files: a filesystem mounted first and unmounted last, file pages beside a process, every file record kind', async () => {
    const file = join(tmp, 'files.trace');
    expect((await cli('trace', 'gen', 'files', '-o', file, '--pages', '512', '--ops', '4000')).code).toBe(0);
    const info = await traceInfo(file);
    expect(info.records).toMatchObject({ M: 1, U: 1, C: 1, W: expect.any(Number) });
    for (const k of ['R', 'W', 'I', 'T', 'L', 'w', 'r'] as const) expect(info.records[k], k).toBeGreaterThan(0);
    expect(info.files_written).toBe(4); // 256 file pages in 64-page files
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines[1]).toBe('M 1');
    expect(lines.at(-1)).toBe('U 1');
  });

  it('content compresses like real memory: lz4 ratio 1.8–3.5 over the default mix', () => {
    const rng = new Rng(3);
    const p = new Uint8Array(PAGE_SIZE);
    let inBytes = 0;
    let outBytes = 0;
    for (let i = 0; i < 400; i++) {
      const kind = CONTENT_KINDS[rng.weighted(DEFAULT_MIX)];
      if (kind === 'zero' || kind === 'same') continue;
      fillPage(p, kind, rng);
      inBytes += PAGE_SIZE;
      outBytes += lz4.compress(p).length - 4;
    }
    const ratio = inBytes / outBytes;
    expect(ratio).toBeGreaterThan(1.8);
    expect(ratio).toBeLessThan(3.5);
  });
});
