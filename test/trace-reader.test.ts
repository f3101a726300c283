import fc from 'fast-check';
import { gunzipSync, gzipSync, constants as zc } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { PAGE_SIZE } from '../src/page.js';
import type { TraceRecord } from '../src/trace/format.js';
import { readTrace } from '../src/trace/reader.js';
import { b64, cli, page, traceFile } from './helpers.js';

interface Seen {
  kind: string;
  line: number;
  as: number;
  vpn: number;
  data: Uint8Array | null;
  form: string;
}

async function records(file: string): Promise<Seen[]> {
  const out: Seen[] = [];
  await readTrace(file, (r: TraceRecord) => {
    out.push({
      kind: r.kind,
      line: r.line,
      as: r.as,
      vpn: r.vpn,
      data: r.kind === 'w' || r.kind === 'd' ? new Uint8Array(r.content.bytes) : null,
      form: r.form,
    });
  });
  return out;
}

const P = page(7);
const FOUR_K_MINUS_ONE = Buffer.from(page(3).subarray(0, PAGE_SIZE - 1)).toString('base64');
const VALID = Buffer.from(page(4)).toString('base64');
/** A valid page payload with one character replaced (Node's decoder would accept - and _). */
const withChar = (c: string) => `${VALID.slice(0, 100)}${c}${VALID.slice(101)}`;

describe('trace reader: valid input', () => {
  it('reads all six record kinds with their fields', async () => {
    const file = traceFile(
      ['ztrace 1', `d 5 ${b64(P)}`, 'w 3 0x7F00 @5', 'w 3 17 z', 'w 4 0x10 f:00000000000000ff', 'r 3 0x7f00', 'f 3 17', 'x 4', 'o 3 0x7f00', ''].join('\n'),
    );
    const recs = await records(file);
    expect(recs.map((r) => [r.kind, r.line])).toEqual([
      ['d', 2],
      ['w', 3],
      ['w', 4],
      ['w', 5],
      ['r', 6],
      ['f', 7],
      ['x', 8],
      ['o', 9],
    ]);
    expect(recs[7]).toMatchObject({ kind: 'o', as: 3, vpn: 0x7f00 });
    expect(recs[1]).toMatchObject({ as: 3, vpn: 0x7f00, form: '@' });
    expect(recs[1].data).toEqual(P);
    expect(recs[2].data).toEqual(new Uint8Array(PAGE_SIZE));
    const fill = recs[3].data!;
    expect([...fill.subarray(0, 16)]).toEqual([0xff, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0]);
    expect(recs[4]).toMatchObject({ kind: 'r', as: 3, vpn: 0x7f00 });
    expect(recs[6]).toMatchObject({ kind: 'x', as: 4 });
  });

  it('tolerates CRLF, tabs, runs of blanks, comments, blank lines and leading zeros', async () => {
    const file = traceFile(
      ['# comment before the header', '', '  ztrace\t1  ', '   ', '# c', `d\t001 ${b64(P)}`, ' w  0010\t\t0x0aBc   @1 ', 'r 10 00043', ''].join('\r\n'),
    );
    const recs = await records(file);
    expect(recs.map((r) => r.kind)).toEqual(['d', 'w', 'r']);
    expect(recs[1]).toMatchObject({ as: 10, vpn: 0xabc, line: 7 });
    expect(recs[1].data).toEqual(P);
    expect(recs[2]).toMatchObject({ vpn: 43 });
  });

  it('accepts the largest AS and VPN, and a final line without newline', async () => {
    const file = traceFile(`ztrace 1\nr 2147483647 0xfffffffffffff\nr 0 4503599627370495`);
    const recs = await records(file);
    expect(recs[0]).toMatchObject({ as: 2147483647, vpn: 2 ** 52 - 1 });
    expect(recs[1]).toMatchObject({ as: 0, vpn: 2 ** 52 - 1 });
  });

  it('accepts a page payload whose final pad bits are not zero', async () => {
    // the final group is "xy==": y carries 2 data bits and 4 pad bits; set a pad bit
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const y = alphabet.indexOf(VALID.at(-3)!);
    expect(y & 0xf).toBe(0); // canonical
    const lenient = `${VALID.slice(0, -3)}${alphabet[y | 1]}==`;
    const recs = await records(traceFile(`ztrace 1\nw 1 1 b:${lenient}\n`));
    expect(recs[0].data).toEqual(page(4));
  });

  it('detects gzip by its magic bytes, not by the name', async () => {
    const file = traceFile(`ztrace 1\nw 1 1 ${b64(P)}\n`, { gzip: true, name: 'plain-name.trace' });
    const recs = await records(file);
    expect(recs[0].data).toEqual(P);
  });

  it('lets a d record redefine an ID; later references see the newest', async () => {
    const Q = page(8);
    const file = traceFile(`ztrace 1\nd 1 ${b64(P)}\nw 1 1 @1\nd 1 ${b64(Q)}\nw 1 2 @01\n`);
    const recs = await records(file);
    expect(recs[1].data).toEqual(P);
    expect(recs[3].data).toEqual(Q);
  });
});

/** Each malformed input: the trace, the faulty line, a fragment of the message. */
const MALFORMED: [string, string, number, string][] = [
  ['bad header', 'hello 1\nr 1 1\n', 1, "missing header: the first line must be 'ztrace 1'"],
  ['bad version', 'ztrace 2\n', 1, 'unsupported trace version 2'],
  ['non-numeric version', 'ztrace one\n', 1, 'bad trace version'],
  ['unknown record', 'ztrace 1\nr 1 1\nq 1 1\n', 3, "unknown record \"q\""],
  ['long record name', 'ztrace 1\nwrite 1 1 z\n', 2, 'unknown record'],
  ['missing field', 'ztrace 1\nr 1\n', 2, 'r record needs 2 fields (r AS VPN), got 1'],
  ['missing DATA', 'ztrace 1\nw 1 2\n', 2, 'w record needs 3 fields'],
  ['extra field', 'ztrace 1\nr 1 2 3\n', 2, 'extra field "3"'],
  ['extra field on x', 'ztrace 1\nx 1 2\n', 2, 'extra field "2"'],
  ['missing field on o', 'ztrace 1\no 1\n', 2, 'o record needs 2 fields (o AS VPN), got 1'],
  ['extra field on o', 'ztrace 1\no 1 2 z\n', 2, 'extra field "z"'],
  ['AS out of range', 'ztrace 1\nr 2147483648 1\n', 2, 'address space "2147483648" is out of range'],
  ['negative AS', 'ztrace 1\nr -1 1\n', 2, 'address space "-1" is not a decimal integer'],
  ['VPN out of range', 'ztrace 1\nr 1 0x10000000000000\n', 2, 'out of range 0..2^52-1'],
  ['decimal VPN out of range', 'ztrace 1\nr 1 4503599627370496\n', 2, 'VPN "4503599627370496" is out of range'],
  ['bad hex VPN', 'ztrace 1\nr 1 0x12g4\n', 2, 'bad hex digit'],
  ['signed VPN', 'ztrace 1\nr 1 +5\n', 2, 'not a decimal integer'],
  ['bad fill hex', 'ztrace 1\nw 1 1 f:00000000000000zz\n', 2, 'bad hex digit'],
  ['short fill', 'ztrace 1\nw 1 1 f:ff\n', 2, 'exactly 16 hex digits'],
  ['bad DATA', 'ztrace 1\nw 1 1 q:00\n', 2, 'bad DATA'],
  ['invalid base64', `ztrace 1\nw 1 1 b:${'!'.repeat(5464)}\n`, 2, "invalid base64 character '!'"],
  ['base64 not 4096 bytes', `ztrace 1\nr 1 1\nw 1 1 b:${FOUR_K_MINUS_ONE}\n`, 3, 'base64 payload decodes to 4095 bytes, expected 4096'],
  ['base64 bad length', `ztrace 1\nw 1 1 b:${'A'.repeat(5463)}\n`, 2, 'not a multiple of 4'],
  ['base64url character -', `ztrace 1\nw 1 1 b:${withChar('-')}\n`, 2, "invalid base64 character '-' at offset 100"],
  ['base64url character _', `ztrace 1\nw 1 1 b:${withChar('_')}\n`, 2, "invalid base64 character '_' at offset 100"],
  ['blank inside base64', `ztrace 1\nw 1 1 b:${withChar('\t').replace('\t', '%')}\n`, 2, "invalid base64 character '%'"],
  ['base64 without padding', `ztrace 1\nw 1 1 b:${VALID.slice(0, -2)}AA\n`, 2, 'decodes to 4098 bytes'],
  ['base64 padding inside', `ztrace 1\nw 1 1 b:AA==${'A'.repeat(5460)}\n`, 2, "padding '='"],
  ['undefined @ID', 'ztrace 1\nw 1 1 @7\n', 2, "@7 is not defined (no earlier 'd 7' record)"],
  ['d with @', `ztrace 1\nd 1 ${b64(P)}\nd 2 @1\n`, 3, 'cannot define content by an @ reference'],
  ['bad d ID', 'ztrace 1\nd x1 z\n', 2, 'content ID "x1" is not a decimal integer'],
  ['binary garbage', 'ztrace 1\nr 1 1\n\x00\x01\x02\xff\xfe garbage\n', 3, 'binary data (byte 0x00 at column 1)'],
  ['binary from the start', '\x7fELF\x02\x01\x01\x00', 1, 'binary data'],
  ['empty file', '', 1, "empty trace: no 'ztrace 1' header"],
  ['comments only', '# nothing\n\n', 2, 'empty trace'],
];

describe('trace reader: malformed input stops with FILE:LINE and status 3', () => {
  for (const [name, text, line, fragment] of MALFORMED) {
    it(name, async () => {
      const file = traceFile(text);
      const { code, stdout, stderr } = await cli('run', file, '--threads', '0');
      expect(code).toBe(3);
      expect(stdout).toBe('');
      expect(stderr).toContain(`${file}:${line}: `);
      expect(stderr).toContain(fragment);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
  }

  it('an absurdly long line', async () => {
    const file = traceFile(`ztrace 1\nr 1 1\nw 1 1 b:${'A'.repeat(3 << 20)}`);
    const { code, stderr } = await cli('run', file, '--threads', '0');
    expect(code).toBe(3);
    expect(stderr).toContain(`${file}:3: line is longer than`);
  });

  it('a truncated gzip stream, after the records before the cut', async () => {
    const lines = ['ztrace 1'];
    for (let i = 0; i < 400; i++) lines.push(`w 1 ${i} ${b64(page(i, 512))}`);
    const whole = gzipSync(Buffer.from(lines.join('\n') + '\n'));
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
    const prefix = gunzipSync(cut, { finishFlush: zc.Z_SYNC_FLUSH }).toString('latin1');
    const complete = prefix.split('\n').length - 1;
    const file = traceFile(cut);
    let seen = 0;
    const err = await readTrace(file, () => {
      seen++;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).line).toBe(complete + 1);
    expect((err as InputError).message).toContain('gzip stream is truncated');
    expect(seen).toBe(complete - 1); // every record before the cut (the header is line 1)
    const { code, stderr } = await cli('trace', 'info', file);
    expect(code).toBe(3);
    expect(stderr).toContain(`${file}:${complete + 1}: gzip stream is truncated`);
  });

  it('garbage after a complete gzip stream: every record replayed, then reported as trailing garbage', async () => {
    const lines = ['ztrace 1'];
    for (let i = 0; i < 300; i++) lines.push(`w 1 ${i} ${b64(page(i, 512))}`);
    const stream = gzipSync(Buffer.from(lines.join('\n') + '\n'));
    // two members (as `cat a.gz b.gz` makes), then bytes that are not gzip
    const file = traceFile(Buffer.concat([stream, gzipSync(Buffer.from('r 1 1\n')), Buffer.from('not gzip at all\n')]));
    let seen = 0;
    const err = await readTrace(file, () => {
      seen++;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(seen).toBe(301); // all 300 writes and the second member's read
    expect((err as InputError).message).toBe(
      `${file}: trailing garbage after the end of the gzip stream (the last 16 bytes, from byte ${(stream.length + gzipSync(Buffer.from('r 1 1\n')).length).toLocaleString('en-US')}, are not gzip data); the 302 lines before them were read`,
    );
    const { code, stderr } = await cli('trace', 'info', file);
    expect(code).toBe(3);
    expect(stderr).toContain('trailing garbage after the end of the gzip stream');
  });

  it('a file that does not exist', async () => {
    const { code, stderr } = await cli('run', '/nonexistent/x.trace');
    expect(code).toBe(3);
    expect(stderr).toContain('/nonexistent/x.trace: cannot read the trace: no such file');
  });
});

describe('trace reader: fuzz', () => {
  const valid = [
    'ztrace 1',
    `d 1 ${b64(page(1, 64))}`,
    'w 1 0x10 @1',
    'w 2 17 f:0123456789abcdef',
    'r 1 0x10',
    'w 1 0x11 z',
    'f 2 17',
    'x 1',
  ].join('\n');

  it('parses mutated traces or fails with FILE:LINE: message', async () => {
    const bytes = Buffer.from(valid, 'latin1');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.boolean(),
        async (mutations, gzip) => {
          const arr = [...bytes];
          for (const [pos, byte, op] of mutations) {
            const at = Math.min(pos, arr.length - 1);
            if (op === 'set') arr[at] = byte;
            else if (op === 'insert') arr.splice(at, 0, byte);
            else arr.splice(at, 1);
          }
          const file = traceFile(Uint8Array.from(arr), { gzip });
          try {
            await readTrace(file, () => {});
          } catch (e) {
            expect(e).toBeInstanceOf(InputError);
            const ie = e as InputError;
            expect(ie.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: \\S`));
            expect(ie.line).toBeGreaterThanOrEqual(1);
            expect(ie.line).toBeLessThanOrEqual(arr.filter((b) => b === 10).length + 1);
          }
        },
      ),
      { numRuns: 300, seed: 20261126 },
    );
  });

  it('truncated gzip at every length fails cleanly', async () => {
    const whole = gzipSync(Buffer.from(valid));
    for (let n = 0; n < whole.length; n += 7) {
      const file = traceFile(whole.subarray(0, n));
      const err = await readTrace(file, () => {}).then(
        () => null,
        (e: unknown) => e,
      );
      if (n >= 2) {
        expect(err).toBeInstanceOf(InputError);
        expect((err as InputError).line).toBeGreaterThanOrEqual(1);
      }
    }
  });
});
