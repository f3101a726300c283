/*
 * The tmem family (SPEC §13): Xen tmem, zcache (both generations), ramster,
 * frontswap's knobs, self-shrinking, cleancache and the page cache — each
 * backend's duplicate-put rule, capacity rule and knob defaults on small
 * hand-written traces, the data losses verification must catch, and the
 * refusals.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/report.js';
import { cli, page, traceFile } from './helpers.js';

const b = (seed: number, randomBytes = 512) => `b:${Buffer.from(page(seed, randomBytes)).toString('base64')}`;
const trace = (...lines: string[]) => traceFile(['ztrace 1', ...lines, ''].join('\n'));

async function run(file: string, ...args: string[]) {
  const r = await cli('run', file, '--kernel', '3.11', '--reclaim-batch', '1', '--threads', '0', '--check-invariants', '--json', ...args);
  return { ...r, report: r.stdout === '' ? (null as unknown as Report) : (JSON.parse(r.stdout) as Report) };
}

/**
 * A duplicate store: page 0 goes to frontswap (line 3), faults back into the
 * swap cache (line 4), is rewritten there keeping its slot with
 * incompressible content (line 5), and is evicted again (line 6): a second
 * store to the same slot, while the backend holds the first. Line 7 reads
 * it back.
 */
const DUP = trace(`w 1 0 ${b(1)}`, `w 1 1 ${b(2)}`, 'r 1 0', `w 1 0 ${b(3, 4096)}`, 'r 1 1', 'r 1 0');
const DUP_MACHINE = ['--ram', '1p', '--swapcache-write', 'keep'];

describe('xen-tmem', () => {
  it('a duplicate put frees the old page, then takes the new one: replaced, the load gets the new content', async () => {
    const { code, report } = await run(DUP, '--backend', 'xen-tmem', '--xen-maxmem', '8p', '--xen-host-free', '64M', ...DUP_MACHINE);
    expect(code).toBe(0);
    expect(report.xen_tmem).toMatchObject({ puts: 3, good_puts: 3, dup_puts_replaced: 1, dup_puts_flushed: 0, no_mem_puts: 0 });
    // non-exclusive gets: the three loads (lines 4, 6, 7) found their page and left it there
    expect(report.xen_tmem).toMatchObject({ gets: 3, found_gets: 3, pgp_count: 2 });
    expect(report.verify.corrupt_loads).toBe(0);
    expect(report.config.exclusive_gets).toBe(false);
    expect(report.config.pool_in_ram).toBe(false); // its pages live in the hypervisor
    expect(report.zswap).toBeNull();
  });

  it("persistent pages are charged to the domain: puts fail once RAM + persistent pages reach max_pages", async () => {
    const file = trace(...Array.from({ length: 8 }, (_, v) => `w 1 ${v} ${b(v)}`), ...Array.from({ length: 8 }, (_, v) => `r 1 ${v}`));
    // 4 pages of RAM in a domain of at most 6: tot_pages 4 + P < 6 admits two
    const { report } = await run(file, '--backend', 'xen-tmem', '--ram', '4p', '--xen-maxmem', '6p', '--selfshrink', 'off');
    const x = report.xen_tmem as Record<string, number>;
    expect(x.max_pages).toBe(6);
    expect(x.no_mem_puts).toBeGreaterThan(0);
    expect(x.pgp_count + 4).toBeLessThanOrEqual(6);
    expect(x.good_puts).toBe(report.frontswap!.succ_stores);
    expect(report.swap.pswpout).toBe(report.frontswap!.failed_stores); // the refused pages went to the device
    expect(report.verify.corrupt_loads).toBe(0);
  });

  it('self-shrinking: the inertia-th non-growing tick pulls every frontswap page back, in ascending offsets', async () => {
    // six writes in four frames put pages 0 and 1 in frontswap; two frees make room; a tick every record
    const file = trace(...Array.from({ length: 6 }, (_, v) => `w 1 ${v} ${b(v + 1)}`), 'f 1 4', 'f 1 5', 'r 1 2', 'r 1 3', 'r 1 0', 'r 1 1');
    const { report } = await run(file, '--backend', 'xen-tmem', '--xen-host-free', '64M', '--xen-maxmem', '64M', '--ram', '4p', '--selfballoon-interval', '1', '--records-per-second', '1', '--frontswap-inertia', '2');
    // ticks after records 7 and 8 do not grow: the second (inertia 2) shrinks to 0 (cur 2 ≤ hysteresis 20)
    expect(report.selfshrink).toEqual({ ticks: 12, shrinks: 1, pages: 2, no_frame: 0 });
    expect(report.frontswap).toMatchObject({ loads: 2, invalidates: 2, curr_pages: 0 });
    expect(report.vm.major_faults).toBe(0); // pulled back before the reads: no fault
    expect(report.verify.loads_checked).toBe(2);
    expect(report.config.selfshrink).toBe(true);
  });
});

describe('self-shrinking without a free frame', () => {
  it('stops at once, counting no_frame, and reclaims nothing', async () => {
    // six writes in four frames: pages 0 and 1 in frontswap, RAM full; a tick every record
    const file = trace(...Array.from({ length: 6 }, (_, v) => `w 1 ${v} ${b(v + 1)}`), 'r 1 2', 'r 1 3', 'r 1 4', 'r 1 5');
    const { report } = await run(file, '--backend', 'xen-tmem', '--xen-host-free', '64M', '--xen-maxmem', '64M', '--ram', '4p', '--selfballoon-interval', '1', '--records-per-second', '1', '--frontswap-inertia', '2');
    expect(report.selfshrink).toMatchObject({ shrinks: 3, pages: 0, no_frame: 3 });
    expect(report.frontswap!.curr_pages).toBe(2);
    expect(report.vm.evictions).toBe(2);
  });
});

describe('zcache', () => {
  it('gen 2 builds the new copy first: a failed duplicate put leaves the stale copy behind (an orphan)', async () => {
    const { code, report } = await run(DUP, '--backend', 'zcache', '--exclusive-gets', 'off', '--pool-in-ram', 'off', ...DUP_MACHINE);
    expect(code).toBe(0);
    expect(report.zcache).toMatchObject({ compress_poor: 1, failed_pers_puts: 1, pers_zpages: 2 });
    expect(report.verify.orphaned_entries).toBe(1); // 3.11 frontswap cleared the bit; zcache kept the old copy
    expect(report.verify.corrupt_loads).toBe(0); // the bit is clear: the load read the device's new copy
  });

  it('gen 1 frees the old copy first: a failed duplicate put flushes and fails, nothing is left', async () => {
    const { report } = await run(DUP, '--backend', 'zcache', '--zcache-gen', '1', '--pool-in-ram', 'off', ...DUP_MACHINE);
    expect(report.zcache).toMatchObject({ compress_poor: 1, pers_zpages: 0 });
    expect(report.verify.orphaned_entries).toBe(0);
    expect(report.config.exclusive_gets).toBe(false); // gen 1 never turned the knob on
  });

  it('gen 1 caps persistent zpages at 75 % of RAM', async () => {
    const file = trace(...Array.from({ length: 12 }, (_, v) => `w 1 ${v} ${b(v)}`));
    const { report } = await run(file, '--backend', 'zcache', '--zcache-gen', '1', '--ram', '4p', '--pool-in-ram', 'off');
    expect(report.zcache!.pers_zpages_max).toBe(4); // stores while pers_zpages ≤ floor(0.75 × 4) = 3
    expect(report.zcache!.failed_pers_puts).toBe(8 - 4);
  });

  it('gen 2 turns exclusive gets on: a load frees the zpage and dirties the page', async () => {
    const { report } = await run(DUP, '--backend', 'zcache', '--pool-in-ram', 'off', ...DUP_MACHINE);
    expect(report.config.exclusive_gets).toBe(true);
    expect(report.frontswap!.loads).toBeGreaterThan(0);
    expect(report.zcache!.failed_pers_puts).toBe(1); // the incompressible page, now no duplicate
    expect(report.verify.orphaned_entries).toBe(0);
  });

  it('a zpage over 3584 bytes is compress_poor; a large one while the mean is over 2560 is mean_compress_poor', async () => {
    const file = trace(`w 1 0 ${b(1, 2900)}`, `w 1 1 ${b(2, 2900)}`, `w 1 2 ${b(3, 4096)}`, `w 1 3 ${b(4, 2900)}`, `w 1 4 ${b(5)}`);
    const { report } = await run(file, '--backend', 'zcache', '--ram', '1p', '--pool-in-ram', 'off');
    // 0 stored (mean 2900+); 1 refused by the mean; 2 incompressible; 3 refused by the mean
    expect(report.zcache).toMatchObject({ compress_poor: 1, mean_compress_poor: 2, pers_zpages: 1 });
  });
});

/**
 * A file page written (A), evicted — written back and put to cleancache —
 * rewritten with incompressible content (B), evicted again: a duplicate
 * put. Another file page stays cached so that zcache's shrinker keeps one
 * ephemeral pageframe. Line 13 reads the page back from cleancache.
 */
const STALE = trace(
  'M 1',
  `W 1 5 0 ${b(10)}`,
  'R 1 6 0',
  `w 1 0 ${b(1)}`,
  `w 1 1 ${b(2)}`,
  'R 1 6 0',
  `W 1 5 0 ${b(11, 4096)}`,
  'R 1 6 0',
  `w 1 2 ${b(3)}`,
  `w 1 3 ${b(4)}`,
  'R 1 6 0',
  'R 1 5 0',
);

describe('cleancache', () => {
  it("zcache gen 2's failed duplicate put leaves stale data that a later get returns: a corrupt load, status 1, the line named", async () => {
    const r = await run(STALE, '--backend', 'zcache', '--ram', '3p', '--pool-in-ram', 'off');
    expect(r.code).toBe(1);
    expect(r.report.verify.corrupt).toEqual([{ as: 1, vpn: 5, type: -1, offset: 0, line: 13, source: 'cleancache', when: 'fault' }]);
    expect(r.stderr).toContain(`read of file page FS 1 inode 5 index 0 from cleancache, at ${STALE}:13`);
    expect(r.report.cleancache).toMatchObject({ puts: 2, succ_gets: 1 });
  });

  it('zcache gen 1 and Xen tmem keep the contract on the same trace: the get misses, the disk has the page', async () => {
    for (const args of [['--backend', 'zcache', '--zcache-gen', '1', '--pool-in-ram', 'off'], ['--backend', 'xen-tmem', '--xen-host-free', '64M']]) {
      const r = await run(STALE, ...args, '--ram', '3p');
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.report.file.disk_reads + r.report.cleancache!.succ_gets).toBe(1);
    }
  });

  it('every get and disk read of a file page is verified', async () => {
    const lines = ['M 2', ...Array.from({ length: 12 }, (_, i) => `W 2 ${i % 3} ${i} ${b(100 + i)}`), ...Array.from({ length: 12 }, (_, i) => `R 2 ${i % 3} ${i}`), 'T 2 0 2', 'R 2 0 3', `I 2 1 4 ${b(200)}`, 'R 2 1 4', 'C', 'R 2 2 5', 'U 2'];
    for (const args of [['--backend', 'xen-tmem', '--xen-host-free', '64M'], ['--backend', 'zcache', '--pool-in-ram', 'off']]) {
      const { code, report } = await run(trace(...lines), ...args, '--ram', '4p');
      expect(code, args.join(' ')).toBe(0);
      const cc = report.cleancache!;
      expect(cc.succ_gets).toBeGreaterThan(0);
      expect(report.verify.file_loads_checked).toBe(cc.succ_gets + report.file.disk_reads);
      expect(report.vm.accesses).toBe(0); // file records are not accesses
    }
  });

  it("an O_DIRECT write to a file with no cached page leaves the old cleancache copy (3.11, fixed in 4.12): the next read gets it — caught", async () => {
    // A is written back and put (line 5 evicts it); line 6 writes B directly; line 7 reads
    const odirect = trace('M 1', `W 1 5 0 ${b(1)}`, `w 1 0 ${b(2)}`, `w 1 1 ${b(3)}`, `I 1 5 0 ${b(4)}`, 'R 1 5 0');
    const r = await run(odirect, '--backend', 'xen-tmem', '--xen-host-free', '64M', '--ram', '2p');
    expect(r.code).toBe(1);
    expect(r.report.verify.corrupt).toEqual([{ as: 1, vpn: 5, type: -1, offset: 0, line: 7, source: 'cleancache', when: 'fault' }]);
    // with another page of the file kept cached, the O_DIRECT write invalidates the inode: the read misses and the disk has B
    const cached = trace('M 1', `W 1 5 0 ${b(1)}`, 'R 1 5 1', `w 1 0 ${b(2)}`, 'R 1 5 1', `w 1 1 ${b(3)}`, 'R 1 5 1', `I 1 5 0 ${b(4)}`, 'R 1 5 0');
    const ok = await run(cached, '--backend', 'xen-tmem', '--xen-host-free', '64M', '--ram', '2p');
    expect(ok.code).toBe(0);
    expect(ok.report.cleancache).toMatchObject({ puts: 1, succ_gets: 0, failed_gets: 1 });
    expect(ok.report.file.disk_reads).toBe(1);
  });

  it('umount writes back and keeps the disk for the next mount; drop_caches drops clean pages only; truncate and unlink make holes', async () => {
    const file = trace(
      'M 1',
      `W 1 5 0 ${b(1)}`,
      `W 1 5 1 ${b(2)}`,
      'U 1', // both written back; the cache truncated (invalidated, not put: their blocks are no longer theirs to the cache)
      'M 1',
      'R 1 5 0', // a new pool misses; the disk has page 0
      `W 1 5 2 ${b(3)}`,
      'C', // page 0 (clean) goes, put to cleancache; page 2 (dirty) stays
      'R 1 5 2', // a hit
      'T 1 5 1', // page 2 dropped unwritten; pages 1 and 2 holes on disk
      'R 1 5 1', // a hole: zeros, no get, no disk read
      `W 1 6 0 ${b(5)}`,
      'L 1 6',
      'R 1 6 0', // a hole again
      'U 1',
    );
    const { code, report } = await run(file, '--backend', 'xen-tmem', '--xen-host-free', '64M', '--ram', '8p');
    expect(code).toBe(0);
    expect(report.file).toMatchObject({ reads: 4, read_hits: 1, disk_reads: 1, writes: 4, writebacks: 2, evictions: 0, cached_pages: 0 });
    expect(report.cleancache).toEqual({ succ_gets: 0, failed_gets: 1, puts: 1, invalidates: 6 });
    expect(report.verify.file_loads_checked).toBe(1);
  });

  it('with zswap (no cleancache side) the hooks count nothing, and the page cache works the same', async () => {
    const { code, report } = await run(STALE, '--ram', '3p', '--pool-in-ram', 'off');
    expect(code).toBe(0);
    expect(report.cleancache).toEqual({ succ_gets: 0, failed_gets: 0, puts: 0, invalidates: 0 });
    expect(report.file).toMatchObject({ writes: 2, writebacks: 2, disk_reads: 1 });
  });
});

describe('ramster', () => {
  // pages 0 and 1 go to zcache (lines 4 and 5); a pass at trace time 60 s (record 60) sends them to peer 1; lines 76 and 77 read them
  const REMOTE = trace(`w 1 0 ${b(1)}`, `w 1 1 ${b(2)}`, `w 1 2 ${b(3)}`, `w 1 3 ${b(4)}`, ...Array.from({ length: 70 }, () => 'r 1 3'), 'r 1 0', 'r 1 1');
  const MACHINE = ['--backend', 'ramster', '--records-per-second', '1', '--ram', '2p', '--pool-in-ram', 'off'];

  it('remotifies after 60 s and gets the pages back from a peer that is up', async () => {
    const { code, report } = await run(REMOTE, ...MACHINE, '--ramster-peers', '1:1M');
    expect(code).toBe(0);
    expect(report.ramster).toMatchObject({ pers_pages_remoted: 4, remote_pers_pages_succ_get: 2, remote_get_wait_ns: 200_000 });
    expect(report.config).toMatchObject({ exclusive_gets: true, selfshrink: true, ramster_target: 1, ramster_remotify: 'pers,eph' });
  });

  it('a get from a peer that went down fails with the frontswap bit set: the fault reads a slot never written — corrupt loads, status 1', async () => {
    const r = await run(REMOTE, ...MACHINE, '--ramster-peers', '1:1M:down@65');
    expect(r.code).toBe(1);
    expect(r.report.ramster).toMatchObject({ remote_gets_node_down: 2 });
    expect(r.report.verify.corrupt.map((c) => [c.vpn, c.line, c.source])).toEqual([
      [0, 76, 'device (no copy)'],
      [1, 77, 'device (no copy)'],
    ]);
    expect(r.stderr).toContain(`load of AS 1 VPN 0x0 from device (no copy), swap type 0 offset 1, at ${REMOTE}:76`);
  });

  it("a peer without room refuses: the pageframe stays a zombie here, loadable, and nothing is lost", async () => {
    const { code, report } = await run(REMOTE, ...MACHINE, '--ramster-peers', '1:100');
    expect(code).toBe(0);
    expect(report.ramster).toMatchObject({ pers_pages_remoted: 0, remote_pers_pages: 0 });
    expect((report.ramster as Record<string, number>).pers_pages_remote_failed).toBeGreaterThan(0);
    expect(report.frontswap!.loads).toBe(2);
  });

  it('--ramster-remotify none keeps every page local', async () => {
    const { report } = await run(REMOTE, ...MACHINE, '--ramster-peers', '1:1M', '--ramster-remotify', 'none');
    expect(report.ramster).toMatchObject({ pers_pages_remoted: 0, eph_pages_remoted: 0, remotify_passes: 17 });
  });

  it('with writethrough the device holds a good copy: the same peer failure loses nothing', async () => {
    const r = await run(REMOTE, ...MACHINE, '--ramster-peers', '1:1M:down@65', '--frontswap-writethrough', 'on');
    expect(r.code).toBe(0);
  });
});

describe("frontswap's knobs", () => {
  it('writethrough: a store that succeeds still writes the device', async () => {
    const file = trace(...Array.from({ length: 8 }, (_, v) => `w 1 ${v} ${b(v)}`));
    const { report } = await run(file, '--frontswap-writethrough', 'on', '--ram', '4p', '--max-pool-percent', '1000', '--pool-in-ram', 'off');
    expect(report.frontswap!.succ_stores).toBe(4);
    expect(report.swap.pswpout).toBe(4);
    expect(report.swap.swapouts).toBe(4);
  });

  it('exclusive gets with zswap keeping its copy: the orphan is stored to again — a duplicate, BUG under 5.10 (status 5)', async () => {
    const file = trace(`w 1 0 ${b(1)}`, `w 1 1 ${b(2)}`, 'r 1 0', `w 1 2 ${b(3)}`, 'r 1 1');
    const args = ['run', file, '--kernel', '5.10', '--exclusive-gets', 'on', '--ram', '1p', '--max-pool-percent', '1000', '--reclaim-batch', '1', '--pool-in-ram', 'off', '--threads', '0'];
    const bug = await cli(...args);
    expect(bug.code).toBe(5);
    expect(bug.stderr).toMatch(/BUG: duplicate store to swap type 0 offset 1/);
    const ok = await cli(...args, '--exclusive-loads', 'on', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).verify.orphaned_entries).toBe(0);
  });
});

describe('refusals (status 2, naming the options)', () => {
  const cases: [string[], string][] = [
    [['--kernel', '5.10', '--backend', 'xen-tmem'], '--backend xen-tmem cannot be used with --kernel 5.10'],
    [['--kernel', '3.11', '--backend', 'xen-tmem', '--zpool', 'zbud'], '--zpool cannot be used with --backend xen-tmem'],
    [['--kernel', '3.11', '--backend', 'xen-tmem', '--compressor', 'lz4'], '--compressor cannot be used with --backend xen-tmem'],
    [['--kernel', '3.11', '--backend', 'xen-tmem', '--pool-in-ram', 'on'], '--pool-in-ram on cannot be used with --backend xen-tmem'],
    [['--kernel', '3.11', '--backend', 'zcache', '--max-pool-percent', '10'], '--max-pool-percent cannot be used with --backend zcache'],
    [['--kernel', '3.11', '--backend', 'zcache', '--selfshrink', 'on'], '--selfshrink on cannot be used with --backend zcache'],
    [['--kernel', '3.11', '--selfshrink', 'on'], '--selfshrink on cannot be used with --backend zswap'],
    [['--kernel', '3.11', '--backend', 'ramster'], '--ramster-peers is required with --backend ramster'],
    [['--kernel', '3.11', '--backend', 'ramster', '--ramster-peers', '1:1M', '--zcache-gen', '1'], '--zcache-gen 1 cannot be used with --backend ramster'],
    [['--kernel', '3.11', '--backend', 'ramster', '--ramster-peers', '1;1M'], "--ramster-peers: '1;1M' is not NODE:SIZE"],
    [['--kernel', '3.11', '--backend', 'ramster', '--ramster-peers', '1:1M,1:2M'], "--ramster-peers: '1:2M' is listed twice (as '1:1M' too)"],
    [['--kernel', '3.11', '--backend', 'ramster', '--ramster-peers', '1:1M', '--ramster-target', '2'], '--ramster-target: node 2 is not among --ramster-peers'],
    [['--kernel', '3.11', '--xen-maxmem', '8M'], '--xen-maxmem cannot be used with --backend zswap'],
    [['--kernel', '6.1', '--exclusive-gets', 'on'], '--exclusive-gets on cannot be used with --kernel 6.1'],
    [['--kernel', '3.11', '--backend', 'xen-tmem', '--xen-maxmem', '1p', '--ram', '4p'], '--xen-maxmem: 1p is below --ram'],
  ];
  for (const [args, msg] of cases) {
    it(args.join(' '), async () => {
      const r = await cli('run', DUP, '--threads', '0', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stdout).toBe('');
    });
  }
});

describe('file records in the trace', () => {
  const bad: [string, number, string][] = [
    ['ztrace 1\nM 1\nM 1\n', 3, 'filesystem 1 is already mounted'],
    ['ztrace 1\nR 1 2 3\n', 2, 'R record on filesystem 1, which is not mounted'],
    ['ztrace 1\nM 1\nU 1\nW 1 2 3 z\n', 4, 'W record on filesystem 1, which is not mounted'],
    ['ztrace 1\nM 1\nR 1 2\n', 3, 'R record needs 3 fields (R FS INO IDX), got 2'],
    ['ztrace 1\nM 1\nT 1 2 4294967296\n', 3, 'size in pages "4294967296" is out of range'],
    ['ztrace 1\nM 1\nW 1 0xg 0 z\n', 3, 'inode "0xg" has a bad hex digit'],
    ['ztrace 1\nC 1\n', 2, 'extra field "1" after C'],
  ];
  for (const [text, line, msg] of bad) {
    it(`refused at its line: ${msg}`, async () => {
      const file = traceFile(text);
      const r = await cli('trace', 'info', file);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`${file}:${line}: ${msg}`);
    });
  }

  it('trace info counts them', async () => {
    const file = traceFile(`ztrace 1\nM 1\nW 1 5 0 ${b(1)}\nR 1 5 0\nI 1 6 2 z\nT 1 5 0\nL 1 6\nC\nU 1\n`);
    const info = JSON.parse((await cli('trace', 'info', file, '--json')).stdout);
    expect(info.records).toMatchObject({ M: 1, W: 1, R: 1, I: 1, T: 1, L: 1, C: 1, U: 1 });
    expect(info.filesystems).toBe(1);
    expect(info.files_written).toBe(2);
  });
});

describe('the summary', () => {
  it("fits one screen with a backend, self-shrinking and the page cache (≤ 40 lines), and names the backend", async () => {
    const r = await cli('run', STALE, '--kernel', '3.11', '--backend', 'ramster', '--ramster-peers', '1:1M', '--ram', '3p', '--reclaim-batch', '1', '--pool-in-ram', 'off', '--threads', '0');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(40);
    expect(lines[0]).toContain('frontswap backend ramster (lz4)');
    expect(r.stdout).toContain('page cache and cleancache');
    expect(r.stdout).toContain('self-shrink: ticks / shrinks / pages');
  });
});

describe('compare --backends', () => {
  const STALE_FIXTURE = 'test/fixtures/cleancache-stale.trace';
  const args = ['--kernel', '3.11', '--backends', 'zswap,xen-tmem,zcache:1,zcache:2,ramster', '--ramster-peers', '1:1M', '--xen-host-free', '64M', '--compressors', 'lz4'];
  const machine = ['--ram', '3p', '--reclaim-batch', '1', '--pool-in-ram', 'off', '--threads', '0'];

  it('one table, one row per backend against the baseline; the backends that lose data are named, status 1', async () => {
    const r = await cli('compare', STALE_FIXTURE, ...args, ...machine);
    expect(r.code).toBe(1);
    const rows = r.stdout.split('\n').slice(3, 9).map((l) => l.split(/\s{2,}/)[0]);
    expect(rows).toEqual(['no compressed swap', 'xen-tmem', 'zcache gen 1', 'zcache gen 2', 'ramster', 'zswap lz4']);
    expect(r.stdout).toContain('zcache gen 2 LOST DATA: 1 load returned other content than the trace wrote');
    expect(r.stdout).toContain('ramster LOST DATA');
    expect(r.stdout).not.toMatch(/^(xen-tmem|zcache gen 1|zswap lz4) LOST DATA/m);
    expect(r.stdout).not.toMatch(/Verdict: (zcache gen 2|ramster)/);
    expect(r.stderr).toContain(`zcache gen 2: verification FAILED: 1 corrupt load`);
  });

  it("each row is the backend's own run: --xen-host-free reaches xen-tmem only, zswap's options zswap only", async () => {
    const r = await cli('compare', STALE_FIXTURE, ...args, ...machine, '--max-pool-percent', '50', '--json');
    const reports = JSON.parse(r.stdout) as Report[];
    const by = (b: string) => reports.filter((x) => x.config.backend === b);
    expect(by('xen-tmem')[0].config.xen_host_free).toBe(64 << 20);
    expect(by('zcache').map((x) => x.config.zcache_gen)).toEqual([1, 2]);
    expect(by('zcache')[0].config.max_pool_percent).toBeNull();
    expect(by('zswap')[1].config.max_pool_percent).toBe(50);
    const alone = await run(STALE_FIXTURE, '--backend', 'zcache', '--zcache-gen', '1', '--ram', '3p', '--pool-in-ram', 'off');
    const strip = (x: Report) => ({ ...x, timing: null, config: { ...x.config, threads: null }, compression: { ...x.compression, compress_ns_percentiles: null, decompress_ns_percentiles: null, compress_ns_total: null, decompress_ns_total: null }, distributions: null });
    expect(strip(by('zcache')[0])).toEqual(strip(alone.report));
  });

  it('the HTML report says what each backend does with a duplicate store, and where data was lost', async () => {
    const { parse } = await import('node-html-parser');
    const file = `${process.env.TMPDIR ?? '/tmp'}/tmem-${process.pid}.html`;
    await cli('compare', STALE_FIXTURE, ...args, ...machine, '--html', file);
    const doc = parse((await import('node:fs')).readFileSync(file, 'utf8'));
    const rows = doc.querySelectorAll('#duplicates tr').slice(1).map((tr) => tr.querySelectorAll('td').map((td) => td.text));
    expect(rows.map((r) => r[0])).toEqual(['xen-tmem', 'zcache gen 1', 'zcache gen 2', 'ramster', 'zswap lz4']);
    expect(rows[0][1]).toContain('replace, or flush and fail');
    expect(rows[2][1]).toContain('keeps the old, stale copy');
    expect(rows.map((r) => r[4])).toEqual(['0', '0', '1', '1', '0']);
  });
});
