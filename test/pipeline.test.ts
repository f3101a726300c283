/*
 * The replay pipeline (src/sim/simulate.ts): contents shared by reference
 * between configurations, verification as a side channel in the workers,
 * the reader thread — and that none of it changes a result.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { CODEC_MODULE_ENV, READER_THREAD_ENV } from '../src/cli/run.js';
import { CompressionPool } from '../src/compress/pool.js';
import type { MachineConfig } from '../src/mm/replay.js';
import { simulateMany, type Configuration } from '../src/sim/simulate.js';
import { PoolVerifier, type BatchVerifier } from '../src/sim/pool-verifier.js';
import { CompressionStats } from '../src/mm/compression.js';
import { Content } from '../src/mm/content.js';
import type { Codec } from '../src/compress/codec.js';
import { b64, page, traceFile, withoutTimings } from './helpers.js';
import { machineConfig } from './support/machine.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/codecs/${name}.mjs`, import.meta.url));

/** A page whose first byte is `first` and whose second half is zero (the fixture codecs keep the first half). */
function halfPage(seed: number, first: number): Uint8Array {
  const p = page(seed, 2048);
  p[0] = first;
  return p;
}

/**
 * Twelve pages written into four frames of RAM, then each read back: the
 * page at VPN 5 (first byte 0x5a) is loaded from zswap at line 19.
 */
const LOSSY_TRACE = traceFile(
  [
    'ztrace 1',
    ...Array.from({ length: 12 }, (_, v) => `w 1 ${v} ${b64(halfPage(v, v === 5 ? 0x5a : 0x11))}`),
    ...Array.from({ length: 12 }, (_, v) => `r 1 ${v}`),
    '',
  ].join('\n'),
);
const LOSSY_LINE = 1 + 12 + 6;
/** A pool that takes every page. */
const LOSSY_MACHINE = ['--ram', '4p', '--max-pool-percent', '1000', '--pool-in-ram', 'off'];

async function run(trace: string, env: Record<string, string>, ...args: string[]) {
  const io = bufferIo();
  Object.assign(io.env, env);
  const code = await main(['run', trace, ...args], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** A 6.12 machine of 64 frames with a zsmalloc pool in RAM. */
function config(over: Partial<MachineConfig> = {}): MachineConfig {
  return machineConfig({ kernel: '6.12', zpool: 'zsmalloc', ramPages: 64, swapSlots: [4097], max_pool_percent: 20, reclaimBatch: 32, poolInRam: true, checkInvariants: false, ...over });
}

describe('contents by reference', () => {
  for (const readerThread of [false, true]) {
    it(`a compare's configurations hold one Content per page, not copies (reader thread ${readerThread ? 'on' : 'off'})`, async () => {
      const pool = new CompressionPool({ threads: 2, codec: 'lz4' });
      try {
        const configurations: Configuration[] = [
          { settings: { machine: config(), compressor: 'lz4', threads: 2 }, pool: pool.forCodec('lz4'), label: 'lz4' },
          { settings: { machine: config(), compressor: 'deflate:6', threads: 2 }, pool: pool.forCodec('deflate:6'), label: 'deflate' },
          { settings: { machine: config({ zswapEnabled: false }), compressor: 'lz4', threads: 0 }, label: 'baseline' },
        ];
        const results = await simulateMany('traces/python-snapshot.trace.gz', configurations, { readerThread });
        const pagesOf = (i: number) => new Map([...results[i].machine.lru].map((p) => [`${p.as}:${p.vpn}`, p.content]));
        const [a, b, c] = [0, 1, 2].map(pagesOf);
        expect(a.size).toBeGreaterThan(32);
        let compared = 0;
        for (const [key, content] of a) {
          for (const other of [b, c]) {
            const same = other.get(key);
            if (same === undefined) continue;
            expect(same).toBe(content); // the very same object, not equal bytes
            compared++;
          }
        }
        expect(compared).toBeGreaterThan(64);
      } finally {
        await pool.close();
      }
    });
  }
});

describe('verification as a side channel', () => {
  it('a mismatch found by a worker is reported at the line of its load, as in-process', async () => {
    const outs = [];
    for (const [threads, reader] of [
      ['0', 'off'],
      ['0', 'on'],
      ['1', 'off'],
      ['2', 'on'],
      ['4', 'off'],
    ]) {
      const r = await run(LOSSY_TRACE, { [CODEC_MODULE_ENV]: fixture('lossy'), [READER_THREAD_ENV]: reader }, ...LOSSY_MACHINE, '--threads', threads, '--json');
      expect(r.code, `threads ${threads}, reader ${reader}: ${r.stderr}`).toBe(1);
      const report = JSON.parse(r.stdout);
      // the load at line 19, then the final check of the entry zswap still holds
      expect(report.verify.corrupt_loads).toBe(2);
      expect(report.verify.corrupt[0]).toMatchObject({ as: 1, vpn: 5, line: LOSSY_LINE, source: 'zswap' });
      expect(r.stderr).toContain(`${LOSSY_TRACE}:${LOSSY_LINE}`);
      outs.push(withoutTimings(report));
    }
    for (const o of outs.slice(1)) expect(o).toEqual(outs[0]);
  });

  it('every load is still decompressed and checked: the counts are those of the in-process run', async () => {
    const counts = [];
    for (const threads of ['0', '2']) {
      const r = await run('traces/default.trace.gz', {}, '--ram', '4M', '--swap', '16M', '--threads', threads, '--json');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      const { compress_ns_percentiles, decompress_ns_percentiles, compress_ns_total, decompress_ns_total, ...compression } = report.compression;
      expect(decompress_ns_total).toBeGreaterThan(0);
      expect(compress_ns_total).toBeGreaterThan(0);
      expect(decompress_ns_percentiles).not.toBeNull();
      expect(compress_ns_percentiles).not.toBeNull();
      counts.push([report.verify, compression]);
    }
    expect(counts[1]).toEqual(counts[0]);
  });

  it('a worker that dies while verifying ends the run with status 70', async () => {
    const r = await run(LOSSY_TRACE, { [CODEC_MODULE_ENV]: fixture('dying-decompressor') }, ...LOSSY_MACHINE, '--threads', '2');
    expect(r.code).toBe(70);
    expect(r.stderr).toMatch(/compression worker failed/);
    expect(r.stdout).toBe('');
    // the same codec is sound in-process
    expect((await run(LOSSY_TRACE, { [CODEC_MODULE_ENV]: fixture('dying-decompressor') }, ...LOSSY_MACHINE, '--threads', '0')).code).toBe(0);
  });
});

describe('the reader thread', () => {
  it('changes nothing: identical reports with and without it, for run and compare', async () => {
    for (const command of [
      ['run', 'traces/python-snapshot.trace.gz', '--ram', '4M', '--swap', '16M', '--threads', '2', '--json'],
      ['compare', 'traces/default.trace.gz', '--compressors', 'lz4,zstd', '--zpools', 'zbud,zsmalloc', '--ram', '4M', '--swap', '16M', '--threads', '1', '--json'],
      // file records (W and I carry pages) through the reader thread's batches, and zcache's decompressions in the workers
      ['run', 'test/fixtures/cleancache-stale.trace', '--kernel', '3.11', '--backend', 'zcache', '--ram', '3p', '--reclaim-batch', '1', '--pool-in-ram', 'off', '--threads', '2', '--json'],
    ]) {
      const reports = [];
      for (const reader of ['off', 'on']) {
        const io = bufferIo();
        io.env[READER_THREAD_ENV] = reader;
        expect(await main(command, io), io.stderr).toBe(command.includes('zcache') ? 1 : 0); // the fixture's stale copy is found either way
        const out = JSON.parse(io.stdout);
        reports.push(Array.isArray(out) ? out.map(withoutTimings) : withoutTimings(out));
      }
      expect(reports[1]).toEqual(reports[0]);
    }
  });

  it('a malformed line read by the reader thread is reported with its file and line (status 3)', async () => {
    const trace = traceFile('ztrace 1\nw 1 1 z\nw 1 2 nonsense\n');
    const r = await run(trace, { [READER_THREAD_ENV]: 'on' }, '--threads', '1');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${trace}:3:`);
  });
});

describe('the verifier in the workers', () => {
  it('keeps at most four tasks in flight, batches 256 checks a task by codec, answers every check and reports each mismatch at its load', async () => {
    let inFlight = 0;
    let most = 0;
    const sizes: [string, number][] = [];
    const pool: BatchVerifier = {
      async verifyBatch(codec, blocks) {
        most = Math.max(most, ++inFlight);
        sizes.push([codec, blocks.length]);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        // every block whose first byte is 0xbd decompresses wrong
        return { ns: new Float64Array(blocks.length).fill(5), mismatch: Uint8Array.from(blocks, (b) => (b[0] === 0xbd ? 1 : 0)) };
      },
    };
    const sites: number[] = [];
    const v = new PoolVerifier(pool, (site) => sites.push(site.seq));
    const stats = new CompressionStats();
    const codec = (name: string) => ({ name }) as unknown as Codec;
    const expected = new Content(page(1));
    for (let seq = 0; seq < 3000; seq++) {
      const block = Uint8Array.of(seq % 997 === 0 ? 0xbd : 1);
      v.check({ block, codec: codec(seq % 3 === 0 ? 'zstd:3' : 'lz4'), expected, stats, site: { seq, as: 1, vpn: seq, type: 0, offset: seq, line: seq + 1, source: 'zswap', when: 'fault' } });
    }
    await v.drain();
    expect(most).toBe(4);
    expect(sizes.reduce((s, [, n]) => s + n, 0)).toBe(3000);
    expect(new Set(sizes.map(([c]) => c))).toEqual(new Set(['lz4', 'zstd:3']));
    expect(Math.max(...sizes.map(([, n]) => n))).toBeLessThanOrEqual(256);
    expect(stats.decompressNs.count).toBe(3000);
    expect(sites.sort((a, b) => a - b)).toEqual([0, 997, 1994, 2991]);
  });
});
