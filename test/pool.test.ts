import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { bufferIo } from '../src/cli/io.js';
import { CompressionPool } from '../src/compress/pool.js';
import { createCodec } from '../src/compress/registry.js';
import { CompressorError } from '../src/errors.js';
import { digestPage } from '../src/mm/digest.js';
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
        // each block comes with the digest of the page it was made from
        const want = new Int32Array(4);
        out.forEach((o, i) => {
          digestPage(pages[i], want);
          expect([...o.digest!], `page ${i}`).toEqual([...want]);
        });
      } finally {
        await pool.close();
      }
    }
  });

  it('digests decompressed blocks in the workers exactly as in-process', async () => {
    const pages = Array.from({ length: 150 }, (_, i) => page(i, 200 + i * 20));
    const codec = createCodec('zstd');
    const pool = new CompressionPool({ threads: 2, codec: codec.name });
    try {
      const digests = await pool.digestBlocks(pages.map((p) => codec.compress(p)));
      const want = new Int32Array(4 * pages.length);
      pages.forEach((p, i) => digestPage(p, want.subarray(4 * i, 4 * i + 4)));
      expect([...digests]).toEqual([...want]);
    } finally {
      await pool.close();
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

  it('one failed slice fails the whole final check in the workers, and the pool stays failed', async () => {
    const pool = new CompressionPool({ threads: 2, codec: 'fixture', codecModule: fixture('corrupting') });
    try {
      const blocks = Array.from({ length: 5000 }, (_, i) => page(i).subarray(0, 100));
      await expect(pool.digestBlocks(blocks)).rejects.toThrow(/fixture decompressor exploded/);
      await expect(pool.digestBlocks(blocks.slice(0, 10))).rejects.toBeInstanceOf(CompressorError);
    } finally {
      await pool.close();
    }
  });

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
});
