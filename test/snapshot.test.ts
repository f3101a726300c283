import { spawn } from 'node:child_process';
import { join } from 'node:path';
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
      expect(info.content.other).toBeGreaterThan(0);
    } finally {
      child.kill();
    }
  });

  it('names a missing process, status 3', async () => {
    const { code, stderr } = await cli('trace', 'snapshot', '--pid', '4194000', '-o', join(tmp, 'none.trace'));
    expect(code).toBe(3);
    expect(stderr).toContain('/proc/4194000/maps: no process with PID 4194000');
  });
});
