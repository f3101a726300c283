import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { cli, traceFile } from './helpers.js';

const DATALOSS = 'test/fixtures/zswap-311-dataloss.trace';
const DATALOSS_OPTS = ['--swapcache-write', 'keep', '--ram', '2p', '--pool-in-ram', 'off', '--reclaim-batch', '1', '--max-pool-percent', '50', '--swap', '64p', '--check-invariants', '--threads', '0'];
const DUP = 'test/fixtures/dup.trace.gz';
const DUP_OPTS = ['--kernel', '3.11', '--swapcache-write', 'keep', '--ram', '32p', '--swap', '1M', '--pool-in-ram', 'off', '--check-invariants', '--threads', '0'];

describe('CLI shell', () => {
  it('--help lists the commands', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const c of ['run', 'compare', 'trace']) expect(stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    const sub = await cli('trace', '--help');
    for (const c of ['gen', 'info', 'snapshot']) expect(sub.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await cli('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('the installed command runs through its shebang, with a report and status 0', () => {
    // bin/zswap-sim.js starts Node with V8 flags (`env -S`); npm links it as the `zswap-sim` command
    const r = spawnSync('bin/zswap-sim.js', ['run', 'test/fixtures/basic.trace', '--ram', '8p', '--swap', '64p', '--threads', '1', '--json'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).vm.accesses).toBeGreaterThan(0);
  });

  const BAD: [string[], string][] = [
    [['--ram', '1000'], '--ram: 1000 is not a whole number of 4096-byte pages'],
    [['--ram', '12Q'], "--ram: '12Q' is not a size"],
    [['--swap', '1M,5000'], '--swap: 5000 is not a whole number'],
    [['--max-pool-percent', '-1'], '--max-pool-percent: -1 is out of range'],
    [['--accept-threshold-percent', '101'], '--accept-threshold-percent: 101 is out of range (0–100)'],
    [['--reclaim-batch', '0'], '--reclaim-batch: 0 is out of range'],
    [['--threads', '-1'], '--threads: -1 is out of range'],
    [['--compressor', 'deflate:10'], '--compressor: deflate:LEVEL must be 0–9'],
    [['--compressor', 'snappy'], "--compressor: unknown compressor 'snappy'"],
    [['--kernel', '4.0'], "--kernel: '4.0' is not one of 3.11, 5.10, 6.1, 6.12, 6.18"],
    [['--zpool', 'zbud', '--kernel', '6.18'], '--zpool zbud cannot be used with --kernel 6.18: Linux 6.18 has zsmalloc only'],
    [['--zpool', 'z3fold', '--kernel', '3.11'], '--zpool z3fold cannot be used with --kernel 3.11'],
    [['--zpool', 'zram'], "--zpool: 'zram' is not one of zbud, z3fold, zsmalloc"],
    [['--frontswap-dup', 'clear', '--kernel', '6.12'], '--frontswap-dup clear cannot be used with --kernel 6.12: frontswap was removed in 6.6'],
    [['--same-filled-pages', 'on'], '--same-filled-pages on cannot be used with --kernel 6.12'],
    [['--limit-policy', 'reject-shrink', '--kernel', '6.18'], '--limit-policy reject-shrink cannot be used with --kernel 6.18'],
    [['--limit-policy', 'shrink-until-accept', '--kernel', '6.1'], '--limit-policy shrink-until-accept cannot be used with --kernel 6.1'],
    [['--zeromap', 'on', '--kernel', '5.10'], '--zeromap on cannot be used with --kernel 5.10'],
    [['--exclusive-loads', 'maybe'], "--exclusive-loads: 'maybe' is not one of on, off"],
    [['--shrink-worker-pace', '0'], '--shrink-worker-pace: 0 is out of range (≥ 1)'],
    [['--shrink-worker-pace', 'fast'], "--shrink-worker-pace: 'fast' is not an integer"],
    [['--swap', '100000G'], '--swap: 100000G is larger than the simulator models (at most 8T (2147483648p))'],
    [['--swap', '1000000G'], '--swap: 1000000G is larger than the simulator models'],
    [['--ram', '99999999999999999G'], "--ram: '99999999999999999G' is too large"],
    [['--swap', ''], '--swap: the list is empty'],
    [['--swap', '1M,,1M'], "--swap: item 2 of '1M,,1M' is empty"],
    [['--swap', '1M,1M', '--swap-prio', '1'], '--swap-prio: 1 priorities for 2 swap devices'],
    [['--duplicate', 'ignore'], '--duplicate'],
    [['--frontswap-dup', 'x'], '--frontswap-dup'],
    [['--limit-policy', 'x'], '--limit-policy'],
    [['--same-filled-pages', 'yes'], "--same-filled-pages: 'yes' is not one of on, off"],
    [['--no-such-option'], "unknown option '--no-such-option'"],
  ];
  for (const [args, msg] of BAD) {
    it(`bad option value ${args.join(' ')} → status 2`, async () => {
      const { code, stderr, stdout } = await cli('run', 'test/fixtures/basic.trace', ...args);
      expect(code).toBe(2);
      expect(stderr).toContain(msg);
      expect(stdout).toBe('');
    });
  }

  it('accepts the edges of the ranges: no RAM, a one-page swap device, many threads', async () => {
    const noRam = await cli('run', 'test/fixtures/basic.trace', '--ram', '0', '--threads', '0');
    expect(noRam.code).toBe(4); // valid, but the first write finds no frame
    expect(noRam.stderr).toContain('out of memory at test/fixtures/basic.trace:4');
    const oneSlotless = await cli('run', 'test/fixtures/basic.trace', '--swap', '1p,64p', '--ram', '2p', '--json', '--threads', '0');
    expect(oneSlotless.code).toBe(0);
    expect(JSON.parse(oneSlotless.stdout).swap.slots_total).toBe(63);
    const many = await cli('run', 'test/fixtures/basic.trace', '--ram', '2p', '--threads', '100', '--json');
    expect(many.code).toBe(0);
    expect(JSON.parse(many.stdout).config.threads).toBe(100);
  });

  it('a missing argument is status 2', async () => {
    expect((await cli('run')).code).toBe(2);
    expect((await cli('trace', 'gen', 'mixed')).code).toBe(2);
  });
});

describe('run', () => {
  it('replays the hand-written trace with every record kind', async () => {
    const { code, stdout } = await cli('run', 'test/fixtures/basic.trace', '--kernel', '5.10', '--ram', '2p', '--swap', '64p', '--check-invariants', '--json', '--threads', '0');
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    // by hand: batches of min(32, resident) = 2 evict at lines 6, 8 and 13;
    // faults at lines 7, 9 and 15
    expect(r.vm).toEqual({ accesses: 12, major_faults: 3, evictions: 6, zero_page_reads: 1, free_absent: 1, pageouts: 0, pageout_no_swap: 0, pageout_skipped: 0 });
    expect(r.swap.swapouts).toBe(4); // the two clean swap-cache pages are dropped, not stored
    expect(r.zswap.same_filled_pages).toBe(2); // 0x10 and 0x12 stay stored (non-exclusive loads)
    expect(r.verify.corrupt_loads).toBe(0);
  });

  it('--json prints a SPEC §11 report and nothing else on stdout; every v2 key is present (5.10)', async () => {
    const { code, stdout } = await cli('run', 'test/fixtures/basic.trace', '--kernel', '5.10', '--ram', '2p', '--json', '--threads', '0');
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(Object.keys(r)).toEqual([
      'config', 'vm', 'workload', 'swap', 'frontswap', 'zswap', 'pool', 'compression', 'zram', 'verify',
      'xen_tmem', 'zcache', 'ramster', 'selfshrink', 'cleancache', 'file', 'timing', 'distributions', 'time_series',
    ]);
    // SPEC §13: zswap's own run has no other backend's counters; cleancache counts nothing without a pool
    expect([r.xen_tmem, r.zcache, r.ramster, r.selfshrink]).toEqual([null, null, null, null]);
    expect(r.cleancache).toEqual({ succ_gets: 0, failed_gets: 0, puts: 0, invalidates: 0 });
    expect(r.config.backend).toBe('zswap');
    expect(r.verify.orphaned_entries).toBe(0);
    expect(r.workload).toEqual({ pages_peak: 4 }); // 0x10, 0x11, 2:5 and 0x12 live before 0x11 is freed
    expect(r.zram).toEqual([]);
    expect(r.config.zram).toEqual([]);
    expect(r.config).toMatchObject({
      trace: 'test/fixtures/basic.trace',
      ram: 8192,
      swap: 256 << 20,
      swap_devices: [256 << 20],
      kernel: '5.10',
      compressor: 'lz4',
      zpool: 'zbud',
      max_pool_percent: 20,
      limit_policy: 'reject-shrink',
      duplicate: 'bug',
      frontswap_dup: 'invalidate-first',
      same_filled_pages: true,
      zeromap: false,
      exclusive_loads: false,
      pool_total_size_mode: 'cached',
      shrink_worker_pace: null,
    });
    expect(Object.keys(r.vm)).toEqual(['accesses', 'major_faults', 'evictions', 'zero_page_reads', 'free_absent', 'pageouts', 'pageout_no_swap', 'pageout_skipped']);
    expect(r.swap).toMatchObject({ zswpout: null, zswpin: null, zswpwb: null, swpout_zero: null, swpin_zero: null });
    expect(Object.keys(r.swap)).toEqual(['swapouts', 'swapins', 'pswpout', 'pswpin', 'slots_total', 'slots_used_peak', 'zswpout', 'zswpin', 'zswpwb', 'swpout_zero', 'swpin_zero']);
    expect(Object.keys(r.frontswap)).toEqual(['succ_stores', 'failed_stores', 'loads', 'invalidates', 'curr_pages']);
    expect(Object.keys(r.zswap)).toEqual([
      'pool_limit_hit',
      'reject_reclaim_fail',
      'reject_alloc_fail',
      'reject_compress_poor',
      'reject_compress_fail',
      'written_back_pages',
      'duplicate_entry',
      'pool_total_size',
      'stored_pages',
      'same_filled_pages',
      'stored_incompressible_pages',
      'decompress_fail',
      'pool_total_size_peak',
      'stored_pages_peak',
    ]);
    expect(r.zswap).toMatchObject({ reject_compress_fail: null, stored_incompressible_pages: null, decompress_fail: null });
    expect(Object.keys(r.pool)).toEqual(['pages', 'pages_peak', 'bytes_stored']);
    expect(r.verify.stale_zswap_entries).toBeNull();
    expect(Object.keys(r.compression.size_percentiles)).toEqual(['p5', 'p10', 'p25', 'p50', 'p75', 'p90', 'p95', 'p99']);
    expect(r.swap.slots_total).toBe(65535);
  });

  it('the default profile is 6.12: no frontswap, zsmalloc, and the 6.12 keys', async () => {
    const { code, stdout } = await cli('run', 'test/fixtures/basic.trace', '--ram', '2p', '--json', '--threads', '0');
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.config).toMatchObject({
      kernel: '6.12',
      zpool: 'zsmalloc',
      limit_policy: 'shrink-until-accept',
      duplicate: 'replace',
      frontswap_dup: null,
      same_filled_pages: false,
      zeromap: true,
      exclusive_loads: true,
      pool_total_size_mode: 'live',
      shrink_worker_pace: 8,
    });
    expect(r.frontswap).toBeNull();
    expect(r.zswap).toMatchObject({ duplicate_entry: null, same_filled_pages: null, reject_compress_fail: 0, stored_incompressible_pages: null });
    expect(r.swap.zswpwb).toBe(0);
    expect(r.swap.swpout_zero).toBeGreaterThan(0); // the trace's zero pages went to the zeromap
    expect(r.verify.stale_zswap_entries).toBe(0);
    const k618 = JSON.parse((await cli('run', 'test/fixtures/basic.trace', '--kernel', '6.18', '--ram', '2p', '--json', '--threads', '0')).stdout);
    expect(k618.zswap).toMatchObject({ stored_incompressible_pages: 0, decompress_fail: 0 });
  });

  it('prints a summary that fits a screen, and every counter with --verbose', async () => {
    const { code, stdout } = await cli('run', 'test/fixtures/basic.trace', '--ram', '2p', '--threads', '0');
    expect(code).toBe(0);
    expect(stdout).toContain('pool size now');
    expect(stdout).toContain('loads checked / at the end / corrupt');
    expect(stdout.split('\n').length).toBeLessThanOrEqual(41);
    expect(stdout).not.toContain('pool_limit_hit');
    const verbose = await cli('run', 'test/fixtures/basic.trace', '--ram', '2p', '--threads', '0', '--verbose');
    expect(verbose.stdout).toContain('pool_limit_hit');
    expect(verbose.stdout).toContain('swpout_zero');
  });

  it('the 3.11 data loss: --kernel 3.11 reports the corrupt load and exits 1', async () => {
    const { code, stdout, stderr } = await cli('run', DATALOSS, ...DATALOSS_OPTS, '--kernel', '3.11', '--json');
    expect(code).toBe(1);
    const r = JSON.parse(stdout);
    expect(r.verify.corrupt_loads).toBe(1);
    expect(r.verify.corrupt[0]).toMatchObject({ as: 1, vpn: 0, type: 0, offset: 1, line: 34, source: 'device' });
    expect(stderr).toContain(`load of AS 1 VPN 0x0 from device, swap type 0 offset 1, at ${DATALOSS}:34`);
  });

  it('the 3.11 data loss: 5.10 and 3.11 with invalidate-on-fail run cleanly', async () => {
    expect((await cli('run', DATALOSS, ...DATALOSS_OPTS, '--kernel', '5.10')).code).toBe(0);
    expect((await cli('run', DATALOSS, ...DATALOSS_OPTS, '--kernel', '3.11', '--frontswap-dup', 'invalidate-on-fail')).code).toBe(0);
  });

  it('--duplicate bug stops with status 5 and names type, offset, line and history', async () => {
    const { code, stdout, stderr } = await cli('run', DUP, ...DUP_OPTS, '--max-pool-percent', '1000', '--duplicate', 'bug', '--json');
    expect(code).toBe(5);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/BUG: duplicate store to swap type 0 offset \d+ \(held by AS 1 VPN 0x[0-9a-f]+\) at test\/fixtures\/dup\.trace\.gz:\d+/);
    expect(stderr).toMatch(/recent history of the slot[\s\S]*store ok[\s\S]*swapin from zswap[\s\S]*rewritten in the swap cache/);
    // the owner recorded at allocation is the page the BUG line names
    const owner = /held by (AS 1 VPN 0x[0-9a-f]+)/.exec(stderr)![1];
    expect(stderr).toMatch(new RegExp(`line \\d+: allocated to ${owner}\n`));
  });

  it('without pool pressure, overwrite counts duplicates and reject fails them; both exit 0', async () => {
    const over = await cli('run', DUP, ...DUP_OPTS, '--max-pool-percent', '1000', '--duplicate', 'overwrite', '--json');
    expect(over.code).toBe(0);
    const o = JSON.parse(over.stdout);
    expect(o.zswap.pool_limit_hit).toBe(0);
    expect(o.zswap.duplicate_entry).toBeGreaterThan(0);
    const rej = await cli('run', DUP, ...DUP_OPTS, '--max-pool-percent', '1000', '--duplicate', 'reject', '--json');
    expect(rej.code).toBe(0);
    const j = JSON.parse(rej.stdout);
    expect(j.zswap.duplicate_entry).toBeGreaterThan(0);
    expect(j.frontswap.failed_stores).toBeGreaterThan(o.frontswap.failed_stores);
  });

  it('the first stop in trace order decides: out of swap before a malformed line', async () => {
    const file = traceFile('ztrace 1\nw 1 1 z\nw 1 2 z\nw 1 3 z\nw 1 4 z\nbogus line\n');
    const { code, stderr } = await cli('run', file, '--kernel', '5.10', '--ram', '1p', '--swap', '2p', '--pool-in-ram', 'off', '--same-filled-pages', 'off', '--threads', '0');
    expect(code).toBe(4);
    expect(stderr).toContain(`out of swap at ${file}:4`);
  });

  it('a malformed line before any stop is status 3', async () => {
    const file = traceFile('ztrace 1\nw 1 1 z\nbogus line\nw 1 2 z\nw 1 3 z\n');
    const { code, stderr } = await cli('run', file, '--ram', '1p', '--swap', '2p', '--threads', '0');
    expect(code).toBe(3);
    expect(stderr).toContain(`${file}:3: unknown record`);
  });
});

describe('bundled traces', () => {
  for (const trace of ['traces/default.trace.gz', 'traces/python-snapshot.trace.gz']) {
    for (const kernel of ['3.11', '5.10', '6.1', '6.12', '6.18']) {
      for (const compressor of ['lz4', 'deflate']) {
        it(`${trace} runs cleanly: kernel ${kernel}, ${compressor}, invariants checked`, async () => {
          const { code, stdout } = await cli('run', trace, '--ram', '4M', '--swap', '16M', '--kernel', kernel, '--compressor', compressor, '--check-invariants', '--json', '--threads', '0');
          expect(code).toBe(0);
          const r = JSON.parse(stdout);
          expect(r.verify.corrupt_loads).toBe(0);
          expect(r.swap.swapouts).toBeGreaterThan(0);
          expect(r.verify.loads_checked).toBe(r.vm.major_faults);
        });
      }
    }
  }
});

describe('--ram N%', () => {
  it("is N percent of the trace's working set, rounded up to whole pages", async () => {
    // basic.trace's working set is 4 pages
    const half = JSON.parse((await cli('run', 'test/fixtures/basic.trace', '--ram', '50%', '--threads', '0', '--json')).stdout);
    expect(half.config.ram).toBe(2 * 4096);
    const third = JSON.parse((await cli('run', 'test/fixtures/basic.trace', '--ram', '30%', '--threads', '0', '--json')).stdout);
    expect(third.config.ram).toBe(2 * 4096); // ceil(1.2)
    const cmp = JSON.parse((await cli('compare', 'test/fixtures/basic.trace', '--compressors', 'lz4', '--ram', '100%', '--threads', '0', '--json')).stdout);
    expect(cmp.map((r: { config: { ram: number } }) => r.config.ram)).toEqual([4 * 4096, 4 * 4096]);
  });

  it('a percentage out of range is a usage error naming --ram', async () => {
    for (const bad of ['0%', '1001%']) {
      const r = await cli('run', 'test/fixtures/basic.trace', '--ram', bad, '--threads', '0');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--ram: ${bad} is not a percentage of the working set`);
    }
  });
});

describe('output files', () => {
  it('an output file that cannot be written is status 2, named, with nothing printed', async () => {
    const gen = await cli('trace', 'gen', 'mixed', '-o', '/nonexistent-dir/x.trace', '--pages', '10', '--ops', '10');
    expect(gen.code).toBe(2);
    expect(gen.stderr).toContain('cannot write /nonexistent-dir/x.trace: its directory /nonexistent-dir does not exist');
    const html = await cli('run', 'test/fixtures/basic.trace', '--ram', '2p', '--threads', '0', '--json', '--html', '/nonexistent-dir/r.html');
    expect(html.code).toBe(2);
    expect(html.stdout).toBe('');
    const csv = await cli('compare', 'test/fixtures/basic.trace', '--compressors', 'lz4', '--ram', '2p', '--threads', '0', '--json', '--csv', '/nonexistent-dir/r.csv');
    expect(csv.code).toBe(2);
    expect(csv.stdout).toBe('');
  });

  it('a directory that exists but refuses the file: what the system said, not "does not exist"', async () => {
    // /proc exists; creating a file in it fails with ENOENT
    const csv = await cli('compare', 'test/fixtures/basic.trace', '--compressors', 'lz4', '--ram', '2p', '--threads', '0', '--csv', '/proc/x.csv');
    expect(csv.code).toBe(2);
    expect(csv.stderr).toBe('zswap-sim: cannot write /proc/x.csv: the system cannot create a file in /proc (ENOENT: no such file or directory)\n');
    expect(csv.stdout).toBe('');
  });
});
