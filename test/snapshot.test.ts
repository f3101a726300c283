import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { bufferIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { describe, expect, it } from 'vitest';
import { parseMaps, isSwappable } from '../src/trace/snapshot.js';
import { traceInfo } from '../src/trace/info.js';
import { cli, tmp } from './helpers.js';

describe('trace snapshot', () => {
  it('selects private-writable and shared-anonymous mappings', () => {
    const maps = parseMaps(
      [
        '55d0a000-55d0b000 r-xp 00000000 08:01 123 /usr/bin/python3',
        '55d0b000-55d0c000 rw-p 00001000 08:01 123 /usr/bin/python3',
        '7f00000000-7f00100000 rw-p 00000000 00:00 0 ',
        '7f00200000-7f00300000 rw-s 00000000 00:01 99 /dev/zero (deleted)',
        '7f00400000-7f00500000 rw-s 00000000 08:01 77 /var/db/file',
        '7ffd0000-7ffd2000 rw-p 00000000 00:00 0 [stack]',
        'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]',
      ].join('\n'),
    );
    expect(maps.filter(isSwappable).map((m) => m.path.trim() || 'anon')).toEqual(['/usr/bin/python3', 'anon', '/dev/zero (deleted)', '[stack]']);
  });

  it('turns a live process into a readable trace', async () => {
    const child = spawn(process.execPath, ['-e', 'const a = []; for (let i = 0; i < 2000; i++) a.push({ i, s: "x".repeat(i % 50) }); setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 400));
      const file = join(tmp, 'snap.trace.gz');
      const { code, stderr } = await cli('trace', 'snapshot', '--pid', String(child.pid), '-o', file, '--max-pages', '300', '--ops', '500', '--pattern', 'scan');
      expect(code, stderr).toBe(0);
      const info = await traceInfo(file);
      expect(info.records.w).toBeGreaterThan(50);
      expect(info.records.w).toBeLessThanOrEqual(300);
      expect(info.records.r).toBe(500);
      expect(info.records.o).toBe(0);
      expect(info.content.other).toBeGreaterThan(0);
      // --pageout: every page written, then each paged out in address order, before the reads
      const out = join(tmp, 'snap-pageout.trace.gz');
      const po = await cli('trace', 'snapshot', '--pid', String(child.pid), '-o', out, '--max-pages', '100', '--ops', '10', '--pageout');
      expect(po.code, po.stderr).toBe(0);
      expect(po.stderr).toContain('each paged out');
      const lines = gunzipSync(readFileSync(out)).toString('latin1').split('\n');
      const kinds = lines.filter((l) => /^[wor] /.test(l)).map((l) => l[0]).join('');
      expect(kinds).toMatch(/^w+o+r+$/);
      const ws = lines.filter((l) => l.startsWith('w ')).map((l) => l.split(' ')[2]);
      const os = lines.filter((l) => l.startsWith('o ')).map((l) => l.split(' ')[2]);
      expect(os).toEqual(ws);
    } finally {
      child.kill();
    }
  });

  it('says so when the PID is a kernel thread, which has no user memory (status 3)', async () => {
    // a procfs tree like PID 2 (kthreadd): PF_KTHREAD in the flags of /proc/PID/stat, empty maps
    const root = join(tmp, 'fakeproc');
    mkdirSync(join(root, '2'), { recursive: true });
    writeFileSync(join(root, '2', 'stat'), '2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 14 0 0 18446744073709551615\n');
    writeFileSync(join(root, '2', 'maps'), '');
    const io = bufferIo();
    io.env.ZSWAP_SIM_PROC_ROOT = root;
    const code = await main(['trace', 'snapshot', '--pid', '2', '-o', join(tmp, 'kthread.trace')], io);
    expect(code).toBe(3);
    expect(io.stderr).toContain(`${root}/2/stat: PID 2 (kthreadd) is a kernel thread: it has no user memory to snapshot`);
  });

  it('leaves the pages in swap out and says how many; --swapped takes them', async () => {
    // a procfs tree: one private anonymous mapping of 4 pages at 0x10000 — present, in swap, neither, present
    const root = join(tmp, 'swapproc');
    const dir = join(root, '77');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'stat'), '77 (heap) S 1 77 77 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 14 0 0 18446744073709551615\n');
    writeFileSync(join(dir, 'maps'), '00010000-00014000 rw-p 00000000 00:00 0 \n');
    const pagemap = Buffer.alloc(0x14 * 8);
    const high = [0x80000000, 0x40000000, 0, 0x80000000];
    high.forEach((h, i) => pagemap.writeUInt32LE(h, (0x10 + i) * 8 + 4));
    writeFileSync(join(dir, 'pagemap'), pagemap);
    const mem = Buffer.alloc(0x14 * 4096);
    for (let i = 0; i < 4; i++) mem.fill(i + 1, (0x10 + i) * 4096, (0x10 + i) * 4096 + 100);
    writeFileSync(join(dir, 'mem'), mem);
    const snapshot = async (...extra: string[]) => {
      const io = bufferIo();
      io.env.ZSWAP_SIM_PROC_ROOT = root;
      const file = join(tmp, `swapped${extra.length}.trace`);
      const code = await main(['trace', 'snapshot', '--pid', '77', '-o', file, '--ops', '0', ...extra], io);
      expect(code, io.stderr).toBe(0);
      const written = readFileSync(file, 'latin1').split('\n').filter((l) => l.startsWith('w ')).map((l) => l.split(' ')[2]);
      return { stderr: io.stderr, written, comment: readFileSync(file, 'latin1').split('\n').find((l) => l.includes('snapshot of PID'))! };
    };
    const present = await snapshot();
    expect(present.written).toEqual(['0x10', '0x13']);
    expect(present.stderr).toContain('1 more of the process\'s pages are in swap and were left out');
    expect(present.comment).toContain('2 of 2 present pages of private-writable and shared-anonymous mappings (1 more in swap, left out)');
    const all = await snapshot('--swapped');
    expect(all.written).toEqual(['0x10', '0x11', '0x13']);
    expect(all.stderr).toContain('1 of them were in swap: reading them swapped them back in');
    expect(all.comment).toContain('3 of 3 present or swapped pages');
  });

  it('--help says that --max-pages samples evenly', async () => {
    const { stdout } = await cli('trace', 'snapshot', '--help');
    expect(stdout.replace(/\s+/g, " ")).toContain("--max-pages <n> at most this many pages, sampled evenly across the address space");
  });

  it('names a missing process, status 3', async () => {
    const { code, stderr } = await cli('trace', 'snapshot', '--pid', '4194000', '-o', join(tmp, 'none.trace'));
    expect(code).toBe(3);
    expect(stderr).toContain('/proc/4194000/stat: no process with PID 4194000');
  });
});
