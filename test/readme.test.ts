/*
 * The README's commands run as shown. Every ```sh block is runnable: each
 * line is run from the checkout with bash and must exit 0, or with the
 * status its `# exits N` comment says. `npm ci` and `npm test` are left out
 * (they are what runs this test). The outputs the README quotes (```text
 * blocks of `compare` tables) must be what those commands print today,
 * apart from the µs column and the CPU line, which vary from run to run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const README = readFileSync('README.md', 'utf8');

function blocks(lang: string): string[] {
  return [...README.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

interface Command {
  line: string;
  status: number;
}

const commands: Command[] = blocks('sh').flatMap((b) =>
  b
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exits = /#\s*exits (\d+)\s*$/.exec(l);
      return { line: l.replace(/\s+#.*$/, ''), status: exits ? Number(exits[1]) : 0 };
    }),
);

const INSTALL_AND_SUITE = ['npm ci', 'npm test']; // the install this suite runs in, and this suite
const outputs = new Map<string, string>();

function run(line: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', line], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A table row without its last column (µs), blanks collapsed. */
const stable = (row: string): string => row.trim().split(/\s{2,}/).slice(0, -1).join('  ');

describe('README', () => {
  it('has runnable blocks, npm start among them', () => {
    expect(commands.map((c) => c.line)).toContain('npm start');
    expect(commands.length).toBeGreaterThan(6);
  });

  for (const c of commands.filter((c) => !INSTALL_AND_SUITE.includes(c.line))) {
    it(`runs as shown: ${c.line}`, () => {
      const r = run(c.line);
      expect(r.status, r.stderr).toBe(c.status);
      expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
      outputs.set(c.line, r.stdout);
      if (c.line === 'npm start') {
        // fits 100 columns (npm's own echo of the script aside) and ends with the verdict
        const lines = r.stdout.split('\n').filter((l) => !l.startsWith('> ') && l.trim() !== '');
        for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(100);
        expect(lines.at(-1)).toMatch(/^Verdict: /);
      }
    });
  }

  it("quotes today's output: each table row and verdict line is what the command prints", () => {
    const quoted = blocks('text').filter((b) => b.includes('no compressed swap'));
    // the quotes in README order: npm start, the three pools, zswap or zram, the tmem family
    const sources = [
      'npm start',
      './bin/zswap-sim.js compare traces/python-heap.trace.gz --zpools zbud,z3fold,zsmalloc --compressors lz4 --ram 50%',
      commands.find((c) => c.line.includes('--swaps'))!.line,
      commands.find((c) => c.line.includes('--backends'))!.line,
    ];
    expect(quoted).toHaveLength(sources.length);
    quoted.forEach((block, i) => {
      const out = outputs.get(sources[i]) ?? execFileSync('bash', ['-c', sources[i]], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      const rows = new Set(out.split('\n').map(stable));
      for (const line of block.split('\n')) {
        if (/^(no compressed swap|lz4|lzo|zstd|zswap|zram|xen-tmem|zcache|ramster)\b/.test(line)) expect(rows, `${sources[i]}: ${line}`).toContain(stable(line));
      }
      // the verdict's paragraphs, unwrapped
      const flat = out.replace(/\n {2}/g, ' ');
      for (const para of block.replace(/\n {2}/g, ' ').split('\n')) {
        if (/^(Most|Verdict|Caveat|\S.* LOST DATA)/.test(para)) expect(flat, sources[i]).toContain(para);
      }
    });
  });
});
