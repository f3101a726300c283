import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { bufferIo } from '../src/cli/io.js';
import { CompressionPool } from '../src/compress/pool.js';
import { createCodec } from '../src/compress/registry.js';
import { CompressorError } from '../src/errors.js';
import { compressPage } from '../src/compress/codec.js';
import { page, withoutTimings } from './helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/codecs/${name}.mjs`, import.meta.url));

async function runWith(module: string, threads: string) {
  const io = bufferIo();
  io.env.ZSWAP_SIM_CODEC_MODULE = module;
  const code = await main(['run', 'traces/default.trace.gz', '--ram', '4M', '--swap', '16M', '--kernel', '3.11', '--threads', threads, '--json'], io);
  return { code, ...io };
}

describe('compression pool', () => {
  it('returns the same blocks as in-process compression, in order', async () => {
    const pages = Array.from({ length: 70 }, (_, i) => page(i, 300 + i * 40));
    for (const codec of ['lz4', 'deflate', 'zstd']) {
      const pool = new CompressionPool({ threads: 2, codec: createCodec(codec).name });
      try {
        const out = await pool.compressBatch(pages);
        const local = createCodec(codec);
        expect(out.map((o) => [...o.block])).toEqual(pages.map((p) => [...local.compress(p)]));
        expect(out.every((o) => o.ns > 0)).toBe(true);
        // and whether the kernel's one-page call would have succeeded, as in-process
        expect(out.map((o) => o.fits)).toEqual(pages.map((p) => compressPage(local, p).fits));
      } finally {
        await pool.close();
      }
    }
  });

  // the decompressor fails on the first block read back: a fault's load, or the final check
  for (const [what, module, cause] of [
    ['compressor', 'throwing', 'fixture compressor exploded'],
    ['decompressor', 'corrupting', 'fixture decompressor exploded'],
  ]) {
    it(`a ${what} that throws ends the run with status 70 and the cause`, async () => {
      for (const threads of ['0', '2']) {
        const r = await runWith(fixture(module), threads);
        expect(r.code, `threads ${threads}`).toBe(70);
        expect(r.stderr).toContain(cause);
        expect(r.stdout).toBe('');
      }
    });
  }

  it('a worker that dies ends the run with status 70', async () => {
    const r = await runWith(fixture('exiting'), '2');
    expect(r.code).toBe(70);
    expect(r.stderr).toMatch(/compression worker failed/);
  });

  it('a worker that cannot load its codec module ends the run with status 70', async () => {
    const r = await runWith(fixture('unloadable'), '1');
    expect(r.code).toBe(70);
    expect(r.stderr).toMatch(/zswap-sim-no-such-package/);
  });

  it('a worker file that does not load rejects the batch with a CompressorError', async () => {
    const pool = new CompressionPool({ threads: 1, codec: 'lz4', workerFile: fixture('unloadable') });
    try {
      await expect(pool.compressBatch([page(1)])).rejects.toBeInstanceOf(CompressorError);
    } finally {
      await pool.close().catch(() => {});
    }
  });
});

describe('determinism across thread counts', () => {
  const strip = (json: string) => withoutTimings(JSON.parse(json));
  for (const trace of ['traces/default.trace.gz', 'traces/python-snapshot.trace.gz']) {
    for (const [kernel, compressor] of [
      ['5.10', 'lz4'],
      ['3.11', 'deflate'],
      ['6.1', 'lzo'],
      ['6.12', 'zstd'],
      ['6.18', 'lz4'],
    ]) {
      it(`${trace}, kernel ${kernel}, ${compressor}: identical reports for --threads 0, 1, 2, 4`, async () => {
        const reports = [];
        for (const threads of ['0', '1', '2', '4']) {
          const io = bufferIo();
          const code = await main(['run', trace, '--ram', '4M', '--swap', '16M', '--kernel', kernel, '--compressor', compressor, '--threads', threads, '--json'], io);
          expect(code).toBe(0);
          reports.push(strip(io.stdout));
        }
        for (const r of reports.slice(1)) expect(r).toEqual(reports[0]);
        expect(reports[0].compression.pages).toBeGreaterThan(0);
      });
    }
  }

  // zram compresses ahead in the workers when zswap is off (its algorithm), and zswap's codec when zswap is on
  for (const [what, args] of [
    ['6.18, zram in front of a disk, refusing writes at mem_limit', ['--kernel', '6.18', '--swap', 'zram:4M,16M', '--zram-algorithm', 'lzo-rle', '--zram-mem-limit', '512K']],
    ['6.1, frontswap with zswap off, deflate, each refused write tried twice', ['--kernel', '6.1', '--swap', 'zram:16M', '--zram-algorithm', 'deflate', '--zram-mem-limit', '1M']],
    ['6.12, zswap (lz4) in front of zram (zstd)', ['--kernel', '6.12', '--swap', 'zram:16M', '--zswap', 'on', '--compressor', 'lz4', '--zram-algorithm', 'zstd']],
  ] as const) {
    it(`zram, ${what}: identical reports for --threads 0, 1, 2`, async () => {
      const reports = [];
      for (const threads of ['0', '1', '2']) {
        const io = bufferIo();
        const code = await main(['run', 'traces/default.trace.gz', '--ram', '4M', ...args, '--threads', threads, '--json'], io);
        expect(code, io.stderr).toBe(0);
        reports.push(strip(io.stdout));
      }
      for (const r of reports.slice(1)) expect(r).toEqual(reports[0]);
      expect(reports[0].zram[0].compression.pages).toBeGreaterThan(1000);
      if (args.includes('--zram-mem-limit')) expect(reports[0].zram[0].failed_writes).toBeGreaterThan(0);
    });
  }
});
