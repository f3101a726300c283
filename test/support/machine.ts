/* A small machine and record makers for the model's unit tests. */
import type { Codec } from '../../src/compress/codec.js';
import { createCodec } from '../../src/compress/registry.js';
import { Content, ZERO_CONTENT } from '../../src/mm/content.js';
import { PROFILES } from '../../src/mm/profiles.js';
import { Machine, type MachineConfig, type Page } from '../../src/mm/replay.js';
import type { TraceRecord } from '../../src/trace/format.js';
import { page } from '../helpers.js';

/**
 * A machine configuration with the profile's defaults (5.10 unless `over`
 * says otherwise): four frames, one 64-page device, batches of one, the
 * pool outside RAM, invariants checked — what the unit tests start from.
 */
export function machineConfig(over: Partial<MachineConfig> = {}): MachineConfig {
  const kernel = over.kernel ?? '5.10';
  const p = PROFILES[kernel];
  return {
    traceName: 'test',
    ramPages: 4,
    swapSlots: [65],
    swapPrio: [-1],
    kernel,
    zpool: p.zpools[0],
    max_pool_percent: 50,
    accept_threshold_percent: p.accept_threshold_percent,
    limitPolicy: p.limitPolicy,
    same_filled_pages: p.same_filled_pages,
    duplicate: p.duplicate,
    frontswapDup: p.frontswapDup,
    zeromap: p.zeromap,
    exclusiveLoads: p.exclusiveLoads,
    shrinkWorkerPace: 8,
    swapcacheWrite: 'free',
    reclaimBatch: 1,
    poolInRam: false,
    checkInvariants: true,
    zswapEnabled: true,
    ...over,
  };
}

/** A machine of machineConfig(over) compressing with `codec`. */
export function machine(over: Partial<MachineConfig> = {}, codec: string | Codec = 'lz4'): Machine {
  const main = typeof codec === 'string' ? createCodec(codec) : codec;
  return new Machine(
    machineConfig(over),
    main,
    // a zram device named after the machine's codec uses that codec (test codecs are not registered)
    (name) => (name === main.name ? main : createCodec(name)),
  );
}

let line = 0;
export const rec = (kind: TraceRecord['kind'], as: number, vpn: number, data?: Uint8Array | Content): TraceRecord => ({
  kind,
  as,
  vpn,
  line: ++line,
  content: data === undefined ? ZERO_CONTENT : data instanceof Content ? data : new Content(data),
  form: 'b',
  id: '',
});

/** A compressible page (512 distinct bytes, then zeros). */
export const P = (n: number) => page(n, 512);

export function run(m: Machine, ...recs: TraceRecord[]): Machine {
  for (const r of recs) m.access(r);
  return m;
}

export const w = (as: number, vpn: number, n: number) => rec('w', as, vpn, P(n));
export const r = (as: number, vpn: number) => rec('r', as, vpn);
export const f = (as: number, vpn: number) => rec('f', as, vpn);
export const x = (as: number) => rec('x', as, 0);
export const o = (as: number, vpn: number) => rec('o', as, vpn);
export const wz = (as: number, vpn: number) => rec('w', as, vpn, ZERO_CONTENT);

/** Pages resident, LRU head (most recent) first. */
export const lruOrder = (m: Machine) => [...m.lru].map((p) => p.vpn);
/** The resident page of a VPN. */
export const residentPage = (m: Machine, vpn: number) => [...m.lru].find((p): p is Page => !p.file && p.vpn === vpn);

/**
 * A codec whose output length is chosen by the page: the bytes up to the
 * last non-zero one (a page with n leading non-zero bytes compresses to n
 * bytes), or 4100 bytes when the page starts with 0xEE (it does not fit).
 */
export class TrimCodec implements Codec {
  readonly name = 'trim';
  compress(page: Uint8Array): Uint8Array {
    if (page[0] === 0xee) return new Uint8Array(4100);
    let n = 4096;
    while (n > 1 && page[n - 1] === 0) n--;
    return page.slice(0, n);
  }
  decompress(block: Uint8Array, dst: Uint8Array): void {
    if (block.length > 4096) throw new Error('trim: an overflowing block cannot be stored');
    dst.fill(0);
    dst.set(block);
  }
}

/** A page compressing to exactly `dlen` bytes under TrimCodec (distinct per tag; tag 0xee: does not fit). */
export function sized(dlen: number, tag = 1): Content {
  const p = new Uint8Array(4096);
  p.fill(tag, 0, dlen);
  p[0] = tag;
  return new Content(p);
}
