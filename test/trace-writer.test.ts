import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, fillWord } from '../src/page.js';
import { readTrace } from '../src/trace/reader.js';
import { TraceWriter, encodeData } from '../src/trace/writer.js';
import { page, tmp } from './helpers.js';

type Rec = [string, number, number, Uint8Array | null];

async function readAll(file: string): Promise<{ recs: Rec[]; forms: string[] }> {
  const recs: Rec[] = [];
  const forms: string[] = [];
  await readTrace(file, (r) => {
    if (r.kind === 'd') return;
    recs.push([r.kind, r.as, r.vpn, r.kind === 'w' ? new Uint8Array(r.content.bytes) : null]);
    if (r.kind === 'w') forms.push(r.form);
  });
  return { recs, forms };
}

describe('trace writer', () => {
  for (const gz of [false, true]) {
    it(`round-trips every record kind (${gz ? 'gzip' : 'text'})`, async () => {
      const file = join(tmp, `rt${gz ? '.trace.gz' : '.trace'}`);
      const w = new TraceWriter(file, { dedup: true });
      const same = new Uint8Array(PAGE_SIZE);
      fillWord(same, 0xdeadbeef, 0x01234567);
      const content = page(11);
      const want: Rec[] = [
        ['w', 1, 0x7f0000, new Uint8Array(PAGE_SIZE)],
        ['w', 1, 0x7f0001, same],
        ['w', 2, 5, content],
        ['w', 2, 6, content],
        ['w', 2, 7, content],
        ['r', 1, 0x7f0000, null],
        ['o', 2, 6, null],
        ['f', 2, 5, null],
        ['x', 1, 0, null],
      ];
      w.write(1, 0x7f0000, want[0][3]!);
      w.write(1, 0x7f0001, same);
      w.write(2, 5, content);
      w.write(2, 6, content);
      w.write(2, 7, content);
      w.read(1, 0x7f0000);
      w.pageout(2, 6);
      w.free(2, 5);
      w.exit(1);
      await w.close();
      const { recs, forms } = await readAll(file);
      expect(recs).toEqual(want);
      // z, f:, b: on first sight, then @ID for the repeats
      expect(forms).toEqual(['z', 'f', 'b', '@', '@']);
      expect(readFileSync(file)[0] === 0x1f).toBe(gz);
    });
  }

  it('encodes the fill word little-endian as the reader expects', () => {
    const p = new Uint8Array(PAGE_SIZE);
    for (let i = 0; i < PAGE_SIZE; i += 8) p[i] = 0xff;
    expect(encodeData(p)).toBe('f:00000000000000ff');
  });

  it('leaves nothing under the target name when aborted', async () => {
    const file = join(tmp, 'aborted.trace');
    const w = new TraceWriter(file);
    w.read(1, 1);
    await w.abort();
    expect(existsSync(file)).toBe(false);
  });
});
