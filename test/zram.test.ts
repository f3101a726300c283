/*
 * zram (SPEC §12): the device's writes, reads and frees with mm_stat's
 * counters, and the swap path around a SWP_SYNCHRONOUS_IO device — the
 * fault that frees the slot at once, a write refused on mem_limit that
 * keeps the page in RAM, zswap in front, and the command line.
 */
import { describe, expect, it } from 'vitest';
import { Content } from '../src/mm/content.js';
import type { MachineConfig } from '../src/mm/replay.js';
import { ZramDevice } from '../src/mm/zram.js';
import { zramReport } from '../src/report/report.js';
import { cli } from './helpers.js';
import { TrimCodec, f, lruOrder, machine, o, r, rec, residentPage, run, sized, wz } from './support/machine.js';

const fill = (b: number) => new Content(new Uint8Array(4096).fill(b));

describe('the zram device (zram_write_page, zram_free_page)', () => {
  const dev = (limitPages = 0, kernel: '6.1' | '6.18' = '6.18') =>
    new ZramDevice(0, { disksizePages: 1024, algorithm: 'trim', limitPages }, new TrimCodec(), kernel === '6.1' ? 4 : 8, kernel === '6.1' ? 2 : 1);

  it('same-filled pages are kept as their word: no memory, same_pages', () => {
    const d = dev();
    expect(d.writePage(1, fill(7))).toBe(true);
    expect(d.stats).toMatchObject({ pages_stored: 1, same_pages: 1, compr_data_size: 0, max_used_pages: 0 });
    expect(d.pool.pages).toBe(0);
    expect(d.read(1).content!.equals(fill(7))).toBe(true);
    expect(d.compression.pages).toBe(0);
  });

  it('a compressed length from huge_class_size on is stored raw as a huge object', () => {
    const d = dev();
    expect(d.hugeClassSize).toBe(3625);
    d.writePage(1, sized(3624, 1));
    d.writePage(2, sized(3625, 2));
    expect(d.stats).toMatchObject({ pages_stored: 2, huge_pages: 1, huge_pages_since: 1, compr_data_size: 3624 + 4096 });
    expect(d.read(2).block).toBeNull(); // a copy, nothing to decompress
    expect(d.read(1).block!.length).toBe(3624);
    expect(dev(0, '6.1').hugeClassSize).toBe(3257);
  });

  it('an overwrite allocates the new object before freeing the old: max_used_pages counts both', () => {
    const d = dev();
    d.writePage(1, sized(3000, 1)); // class 3072 of 6.3+: 3 pages, 4 objects… one zspage
    const first = d.pool.pages;
    d.writePage(1, sized(100, 2)); // another class: its zspage exists before the old one goes
    expect(d.stats.max_used_pages).toBeGreaterThan(Math.max(first, d.pool.pages));
    expect(d.stats).toMatchObject({ pages_stored: 1, compr_data_size: 100 });
  });

  it('over mem_limit the write fails after the allocation: failed_writes, the old content stays, mem_used_max may pass the limit', () => {
    const d = dev(1);
    expect(d.writePage(1, sized(1000, 1))).toBe(true); // class 1024: 1 page
    expect(d.writePage(2, sized(3000, 2))).toBe(false); // a new zspage of several pages: over 1
    expect(d.stats.failed_writes).toBe(1);
    expect(d.stats.max_used_pages).toBeGreaterThan(1);
    expect(d.pool.pages).toBe(1);
    expect(d.writePage(1, sized(3000, 3))).toBe(false);
    expect(d.read(1).content!.equals(sized(1000, 1))).toBe(true);
    expect(d.compression.pages).toBe(3); // failed writes compress too
  });

  it('6.1 tries a failed swap write twice (rw_page, then a bio)', () => {
    const d = dev(1, '6.1');
    d.writePage(1, sized(1000, 1));
    expect(d.writePage(2, sized(3000, 2))).toBe(false);
    expect(d.stats.failed_writes).toBe(2);
  });

  it('a block compressed ahead serves the first attempt; 6.1’s retry compresses again', () => {
    const content = sized(1000, 1);
    const ahead = { block: new TrimCodec().compress(content.bytes), fits: true, ns: 123_456 };
    const d = dev();
    expect(d.writePage(1, content, ahead)).toBe(true);
    expect(d.read(1).block).toBe(ahead.block); // the very block, not a new compression of the page
    expect(d.compression.pages).toBe(1);
    expect(d.compression.compressNsTotal).toBe(123_456); // the worker's time
    const refusing = dev(1, '6.1');
    refusing.writePage(1, sized(1000, 2));
    expect(refusing.writePage(2, sized(3000, 3), { block: new TrimCodec().compress(sized(3000, 3).bytes), fits: true, ns: 1 })).toBe(false);
    expect(refusing.compression.pages).toBe(3); // the page before, the block ahead, and the retry's own compression
  });

  it('every slot free counts notify_free, empty or not; freeing drops the gauges', () => {
    const d = dev();
    d.writePage(1, sized(3700, 1));
    d.slotFreeNotify(1);
    d.slotFreeNotify(2);
    expect(d.stats).toMatchObject({ notify_free: 2, pages_stored: 0, huge_pages: 0, huge_pages_since: 1, compr_data_size: 0 });
    expect(d.pool.pages).toBe(0);
    expect(d.checkInvariants()).toBeNull();
  });
});

/** A 6.18 machine with one zram device of 64 pages (and a disk when asked). */
function zramMachine(over: Partial<MachineConfig> = {}, limitPages = 0, disk = false) {
  const swapSlots = disk ? [64, 64] : [64];
  return machine(
    {
      kernel: '6.18',
      swapSlots,
      swapPrio: disk ? [-1, -2] : [-1],
      zram: disk ? [{ disksizePages: 64, algorithm: 'trim', limitPages }, null] : [{ disksizePages: 64, algorithm: 'trim', limitPages }],
      zswapEnabled: false,
      max_pool_percent: 100_000,
      ...over,
    },
    new TrimCodec(),
  );
}
const wsz = (vpn: number, dlen: number, tag = vpn) => rec('w', 1, vpn, sized(dlen, tag));
const zram0 = (m: ReturnType<typeof zramMachine>) => m.zrams[0]!;

describe('the swap path with a zram device (SWP_SYNCHRONOUS_IO)', () => {
  it('a swap-out writes to zram; a fault reads it without the swap cache and frees the slot at once', () => {
    const m = run(zramMachine(), wsz(1, 100), wsz(2, 100), wsz(3, 100), wsz(4, 100), wsz(5, 100));
    expect(m.io).toMatchObject({ swapouts: 1, pswpout: 1 });
    expect(zram0(m).stats.pages_stored).toBe(1);
    run(m, r(1, 1));
    expect(m.io).toMatchObject({ swapins: 1, pswpin: 1 });
    const p1 = residentPage(m, 1)!;
    expect(p1).toMatchObject({ dirty: true, type: -1 });
    expect(zram0(m).stats).toMatchObject({ notify_free: 1 });
    expect(m.verify).toMatchObject({ loads_checked: 1, corrupt_loads: 0 });
    expect(zram0(m).compression.decompressNs.count).toBe(1);
  });

  it('a write refused on mem_limit keeps the page in RAM: dirty, unmapped in the swap cache, at the MRU end; pswpout counts the attempt', () => {
    const m = zramMachine({ ramPages: 100 }, 1);
    run(m, wsz(1, 1000), wsz(2, 3000), o(1, 1), o(1, 2));
    expect(m.vm.pageouts).toBe(2);
    expect(m.io).toMatchObject({ swapouts: 1, pswpout: 2 });
    const p2 = residentPage(m, 2)!;
    expect(p2).toMatchObject({ dirty: true, unmapped: true, type: 0 });
    expect(lruOrder(m)).toEqual([2]);
    expect(m.swap.mapOf(0, p2.offset)).toBe(0x41); // the PTE's count and the swap cache
    expect(zram0(m).stats.failed_writes).toBe(1);
    // its next access is a minor fault: no load, mapped again; a read keeps the slot while swap is not half full
    run(m, r(1, 2));
    expect(m.vm.major_faults).toBe(0);
    expect(residentPage(m, 2)).toMatchObject({ unmapped: false, type: 0 });
    expect(m.swap.mapOf(0, p2.offset)).toBe(0x40);
    // a write frees the slot (--swapcache-write free)
    run(m, wsz(2, 50, 9));
    expect(residentPage(m, 2)!.type).toBe(-1);
  });

  it('an unmapped page evicted again writes to the same slot', () => {
    // classes of one page each (1024 and 2048 bytes): the second page-out needs a second page
    const m = zramMachine({ ramPages: 100 }, 1);
    run(m, wsz(1, 1010), wsz(2, 2000), o(1, 1), o(1, 2));
    const p2 = residentPage(m, 2)!;
    expect(p2.unmapped).toBe(true);
    const slot = p2.offset;
    run(m, f(1, 1)); // room in zram now
    run(m, o(1, 2));
    expect(m.io.swapouts).toBe(2);
    expect(zram0(m).stats.pages_stored).toBe(1);
    run(m, r(1, 2));
    expect(m.verify.corrupt_loads).toBe(0);
    expect(zram0(m).stats.notify_free).toBe(2);
    expect(slot).toBe(2);
  });

  it('reclaim that cannot make progress stops with out of memory (status 4)', () => {
    const m = zramMachine({ ramPages: 3, reclaimBatch: 1 }, 1);
    expect(() => run(m, wsz(1, 3000), wsz(2, 3000, 12), wsz(3, 3000, 13), wsz(4, 3000, 14), wsz(5, 3000, 15))).toThrow(/out of memory at test:\d+: .*refused by full zram devices/);
  });

  it('zram in front of a disk by priority: the disk takes pages once the zram device is full', () => {
    const m = zramMachine({ ramPages: 2 }, 0, true);
    for (let i = 1; i <= 70; i++) run(m, wsz(i, 100, i));
    expect(m.swap.devices[0].inusePages).toBe(63);
    expect(m.swap.devices[1].inusePages).toBeGreaterThan(0);
  });

  it('the zeromap keeps zero pages out of zram under 6.12/6.18; 6.1 counts them in same_pages', () => {
    const m = run(zramMachine(), wz(1, 1), wsz(2, 100), wsz(3, 100), wsz(4, 100), wsz(5, 100));
    expect(m.io.swpout_zero).toBe(1);
    expect(zram0(m).stats.same_pages).toBe(0);
    const m61 = run(zramMachine({ kernel: '6.1', zeromap: false }), wz(1, 1), wsz(2, 100), wsz(3, 100), wsz(4, 100), wsz(5, 100));
    expect(zram0(m61).stats.same_pages).toBe(1);
  });

  it('the final check reads zram and changes nothing; swapoff empties the pool', () => {
    const m = run(zramMachine(), wsz(1, 100), wsz(2, 3700), wsz(3, 100), wsz(4, 100), wsz(5, 100), wsz(6, 100));
    const before = zramReport(zram0(m));
    m.finalCheck();
    expect(m.verify).toMatchObject({ final_checked: 2, corrupt_loads: 0 });
    expect(zramReport(zram0(m))).toEqual(before);
    m.swapoffAll();
    expect(zram0(m).pool.pages).toBe(0);
  });
});

describe('slots of a zram device, freed (SPEC §12.4, §12.6)', () => {
  /** A zram device of 3 usable slots with a one-page mem_limit: page 1 (1000 B) is written, page 2 (3000 B) refused and left unmapped. */
  function refused() {
    const m = zramMachine({ ramPages: 100, swapSlots: [4], zram: [{ disksizePages: 4, algorithm: 'trim', limitPages: 1 }] });
    run(m, wsz(1, 1000), wsz(2, 3000), o(1, 1), o(1, 2));
    expect(residentPage(m, 2)!.unmapped).toBe(true);
    return m;
  }

  it('a read of an unmapped page frees its slot when swap is more than half full (vm_swap_full)', () => {
    const m = refused();
    expect(m.swap.vmSwapFull()).toBe(true); // 2 of 3 slots used
    run(m, r(1, 2));
    expect(residentPage(m, 2)).toMatchObject({ unmapped: false, type: -1 });
    expect(zram0(m).stats.notify_free).toBe(1);
    expect(m.vm.major_faults).toBe(0);
  });

  it('f of an unmapped page frees its slot: notify_free, nothing stored to free', () => {
    const m = refused();
    run(m, f(1, 2));
    expect(m.swap.devices[0].inusePages).toBe(1);
    expect(zram0(m).stats).toMatchObject({ notify_free: 1, pages_stored: 1 });
  });

  it('every slot free notifies zram, also a slot whose page is in the zeromap', () => {
    const m = run(zramMachine(), wz(1, 1), o(1, 1));
    expect(m.io.swpout_zero).toBe(1);
    run(m, f(1, 1));
    expect(zram0(m).stats).toMatchObject({ notify_free: 1, pages_stored: 0, same_pages: 0 });
  });
});

describe('compressing ahead for zram (a worker pool asks the machine)', () => {
  it('with zswap off, swap-outs compress with the zram devices’ algorithm; zswap’s codec when it is on', () => {
    expect(zramMachine().aheadCodec()).toBe('trim');
    expect(zramMachine({ zswapEnabled: true }).aheadCodec()).toBe(new TrimCodec().name);
    const two = (algorithms: string[]) => zramMachine({ swapSlots: [64, 64], swapPrio: [-1, -2], zram: algorithms.map((algorithm) => ({ disksizePages: 64, algorithm, limitPages: 0 })) });
    expect(two(['trim', 'trim']).aheadCodec()).toBe('trim');
    expect(two(['trim', 'lz4']).aheadCodec()).toBeNull(); // which device a page goes to is known only at its eviction
    expect(machine({ zswapEnabled: false, zram: [null] }).aheadCodec()).toBeNull(); // the baseline compresses nothing
  });

  it('the pages near the tail that zram will compress are the candidates: not same-filled ones, not clean ones with a slot', () => {
    const m = run(zramMachine({ ramPages: 8 }), wsz(1, 100), rec('w', 1, 2, fill(3)), wsz(3, 200), wz(1, 4), wsz(5, 300));
    expect(m.storeCandidates(0, 8).map((p) => p.vpn)).toEqual([1, 3, 5]);
    expect(m.likelyToCompress()).toBe(true);
  });

  it('only as many as the zram devices have free slots: the disk behind takes the others uncompressed', () => {
    // zram of 4 pages (3 usable slots) in front of a disk
    const m = zramMachine({ ramPages: 16, swapSlots: [4, 64], swapPrio: [-1, -2], zram: [{ disksizePages: 4, algorithm: 'trim', limitPages: 0 }, null] });
    for (let vpn = 1; vpn <= 6; vpn++) run(m, wsz(vpn, 100 * vpn));
    expect(m.storeCandidates(0, 16).map((p) => p.vpn)).toEqual([1, 2, 3]);
    expect(m.storeCandidates(1, 16).map((p) => p.vpn)).toEqual([2, 3]); // the current batch's page takes a slot too
    run(m, o(1, 1), o(1, 2));
    expect(m.storeCandidates(0, 16).map((p) => p.vpn)).toEqual([3]);
    run(m, o(1, 3));
    expect(m.likelyToCompress()).toBe(false);
    expect(m.storeCandidates(0, 16)).toEqual([]);
  });
});

describe('zswap in front of zram', () => {
  it('6.18: a zswap store ends the swap-out; the fault reads zswap, whose entry goes with the freed slot', () => {
    const m = run(zramMachine({ zswapEnabled: true }), wsz(1, 100), wsz(2, 100), wsz(3, 100), wsz(4, 100), wsz(5, 100));
    expect(m.zswap.stats.stored_pages).toBe(1);
    expect(zram0(m).stats.pages_stored).toBe(0);
    run(m, r(1, 1));
    expect(m.zswap.vmstat.zswpin).toBe(1);
    expect(m.zswap.stats.stored_pages).toBe(1); // 1's entry went with its slot; 2 was stored by the fault's reclaim
    expect(m.io.pswpin).toBe(0);
    expect(zram0(m).stats.notify_free).toBe(1);
  });

  /** zswap's pool limited to 20 pages in front of a 6.18 zram device; 60 pages of 1500 bytes paged out. */
  function writebacks(limitPages: number) {
    const m = zramMachine({ zswapEnabled: true, ramPages: 200, max_pool_percent: 10, shrinkWorkerPace: 'sync' }, limitPages);
    for (let i = 1; i <= 60; i++) run(m, wsz(i, 1500, i));
    for (let i = 1; i <= 60; i++) run(m, o(1, i));
    return m;
  }

  it('6.18: the shrink worker writes zswap entries back to zram', () => {
    const m = writebacks(0);
    expect(m.zswap.stats.written_back_pages).toBeGreaterThan(0);
    expect(zram0(m).stats.pages_stored).toBeGreaterThanOrEqual(m.zswap.stats.written_back_pages);
    m.finalCheck();
    expect(m.verify.corrupt_loads).toBe(0);
  });

  it('6.18: a writeback refused on mem_limit leaves the data in a swap-cache page, back in RAM, unmapped', () => {
    const m = writebacks(2);
    expect(zram0(m).stats.failed_writes).toBeGreaterThan(0);
    const back = [...m.lru].filter((p) => p.unmapped);
    expect(back.length).toBeGreaterThan(0);
    for (const p of back) expect(m.swap.mapOf(p.type, p.offset)).toBe(0x41);
    m.checkInvariants();
    for (const p of back) run(m, r(1, p.vpn)); // a minor fault each: the data was never lost
    m.finalCheck();
    expect(m.verify.corrupt_loads).toBe(0);
  });

  it('6.1: the fault loads zswap without freeing it; the slot free invalidates it through frontswap', () => {
    const m = run(zramMachine({ kernel: '6.1', zeromap: false, zswapEnabled: true }), wsz(1, 100), o(1, 1));
    expect(m.frontswap!.stats.succ_stores).toBe(1);
    run(m, r(1, 1));
    expect(m.frontswap!.stats).toMatchObject({ loads: 1, invalidates: 1 });
    expect(m.zswap.vmstat.zswpin).toBe(1);
    expect(m.zswap.stats.stored_pages).toBe(0);
    expect(m.io.pswpin).toBe(0);
    expect(zram0(m).stats).toMatchObject({ notify_free: 1, pages_stored: 0 });
  });

  it('6.18: --exclusive-loads makes no difference for a zram slot (its entry goes with the slot)', () => {
    const after = (exclusiveLoads: boolean) => {
      const m = run(zramMachine({ zswapEnabled: true, exclusiveLoads }), wsz(1, 100), o(1, 1), r(1, 1));
      return { zswap: m.zswap.stats, vmstat: m.zswap.vmstat, io: m.io, zram: zram0(m).stats, page: residentPage(m, 1) };
    };
    expect(after(true)).toEqual(after(false));
    expect(after(true).vmstat.zswpin).toBe(1);
  });

  it('6.1 with zswap off: frontswap still calls it and counts every store failed', () => {
    const m = run(zramMachine({ kernel: '6.1', zeromap: false, zswapEnabled: false }), wsz(1, 100), wsz(2, 100), wsz(3, 100), wsz(4, 100), wsz(5, 100));
    expect(m.frontswap!.stats).toMatchObject({ succ_stores: 0, failed_stores: 1 });
    expect(m.zswap.stats.stored_pages).toBe(0);
    expect(zram0(m).stats.pages_stored).toBe(1);
  });
});

describe('zram on the command line', () => {
  const T = 'test/fixtures/basic.trace';
  it('--swap zram:SIZE makes a zram device; zswap is off beside it; the report has mm_stat', async () => {
    const { code, stdout } = await cli('run', T, '--kernel', '6.18', '--swap', 'zram:1M', '--ram', '2p', '--json', '--threads', '0');
    expect(code).toBe(0);
    const rep = JSON.parse(stdout);
    expect(rep.config.zswap_enabled).toBe(false);
    expect(rep.config.zram).toEqual([{ type: 0, disksize: 1 << 20, algorithm: 'lzo-rle', mem_limit: 0, priority: -1 }]);
    expect(Object.keys(rep.zram[0])).toEqual([
      'type',
      'disksize',
      'algorithm',
      'orig_data_size',
      'compr_data_size',
      'mem_used_total',
      'mem_limit',
      'mem_used_max',
      'same_pages',
      'pages_compacted',
      'huge_pages',
      'huge_pages_since',
      'failed_reads',
      'failed_writes',
      'notify_free',
      'num_reads',
      'num_writes',
      'compression',
    ]);
    expect(rep.zram[0].num_writes).toBe(rep.swap.pswpout); // the only device: every swap write went to it
    expect(rep.zram[0].num_reads).toBe(rep.swap.pswpin);
    expect(rep.zram[0].notify_free).toBeGreaterThan(0);
    expect(rep.zswap.stored_pages).toBe(0);
  });

  it('lists: one algorithm and limit per zram device, in --swap order', async () => {
    const { code, stdout } = await cli('run', T, '--kernel', '6.12', '--swap', 'zram:1M,4M,zram:2M', '--zram-algorithm', 'lz4,zstd', '--zram-mem-limit', '64K,0', '--ram', '2p', '--json', '--threads', '0');
    expect(code).toBe(0);
    const rep = JSON.parse(stdout);
    expect(rep.config.zram.map((z: { type: number; algorithm: string; mem_limit: number }) => [z.type, z.algorithm, z.mem_limit])).toEqual([
      [0, 'lz4', 65536],
      [2, 'zstd:3', 0],
    ]);
    expect(rep.config.swap_devices).toEqual([1 << 20, 4 << 20, 2 << 20]);
  });

  const BAD: [string[], string][] = [
    [['--kernel', '5.10', '--swap', 'zram:1M'], '--swap zram:… cannot be used with --kernel 5.10'],
    [['--kernel', '3.11', '--swap', 'zram:1M'], '--swap zram:… cannot be used with --kernel 3.11'],
    [['--zram-algorithm', 'lz4'], '--zram-algorithm needs a zram device in --swap'],
    [['--zram-mem-limit', '1M'], '--zram-mem-limit needs a zram device in --swap'],
    [['--swap', 'zram:1M,zram:1M', '--zram-algorithm', 'lz4,lzo,zstd'], '--zram-algorithm: 3 values for 2 zram devices'],
    [['--swap', 'zram:1000'], '--swap: 1000 is not a whole number of 4096-byte pages'],
    [['--swap', 'zram:1M', '--zram-algorithm', 'nope'], "--zram-algorithm: unknown compressor 'nope'"],
    [['--swap', 'zram:1M', '--zswap', 'maybe'], "--zswap: 'maybe' is not one of on, off"],
  ];
  for (const [args, msg] of BAD) {
    it(`refuses ${args.join(' ')} (status 2)`, async () => {
      const { code, stderr } = await cli('run', T, '--ram', '2p', ...args);
      expect(code).toBe(2);
      expect(stderr).toContain(msg);
    });
  }
});
