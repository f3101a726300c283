/*
 * Option values (SPEC §10): sizes, integers in a range, enumerations, and the
 * machine configuration they make. Every bad value is a UsageError (status 2)
 * naming the option; a combination the chosen kernel cannot have (SPEC §5.1)
 * names both options.
 */
import { availableParallelism } from 'node:os';
import { parseCodecName } from '../compress/registry.js';
import { UsageError } from '../errors.js';
import type { FrontswapDupMode } from '../mm/frontswap.js';
import { ZPOOLS, type ZpoolName } from '../mm/pools/zpool.js';
import { DEFAULT_KERNEL, KERNELS, PROFILES, type KernelProfile } from '../mm/profiles.js';
import type { MachineConfig, SwapcacheWrite } from '../mm/replay.js';
import type { ZramConfig } from '../mm/zram.js';
import { BACKENDS, type BackendName, type RamsterConfig, type RamsterPeer, type TmemConfig } from '../mm/tmem.js';
import type { FrontswapKnobs } from '../mm/frontswap.js';
import { traceInfo } from '../trace/info.js';
import { MAX_SWAP_SLOTS } from '../mm/swapfile.js';
import type { DuplicatePolicy, LimitPolicy } from '../mm/zswap.js';
import { PAGE_SIZE } from '../page.js';
import type { RunSettings } from '../sim/simulate.js';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: PAGE_SIZE };
/** The largest RAM or swap device simulated: 2^31 pages (8 TiB); slot offsets and frame counts stay 31-bit. */
export const MAX_PAGES = MAX_SWAP_SLOTS;
const MAX_SIZE_TEXT = '8T (2147483648p)';

/** A size in bytes: plain bytes, K/M/G/T (powers of 1024, either case) or p (pages). */
export function parseSize(value: string, option: string): number {
  const m = /^(\d+)([kKmMgGtTpP]?)$/.exec(value.trim());
  if (!m) throw new UsageError(`${option}: '${value}' is not a size (e.g. 64M, 1G, 16384p, 4096)`);
  const bytes = Number(m[1]) * UNITS[m[2].toLowerCase()];
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`${option}: '${value}' is too large (at most ${MAX_SIZE_TEXT})`);
  return bytes;
}

/** A size that must be a whole number of pages, at most MAX_PAGES; returns pages. */
export function parsePages(value: string, option: string): number {
  const bytes = parseSize(value, option);
  if (bytes % PAGE_SIZE !== 0) throw new UsageError(`${option}: ${value} is not a whole number of ${PAGE_SIZE}-byte pages`);
  const pages = bytes / PAGE_SIZE;
  if (pages > MAX_PAGES) throw new UsageError(`${option}: ${value} is larger than the simulator models (at most ${MAX_SIZE_TEXT})`);
  return pages;
}

export function parseInteger(value: string, option: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${option}: '${value}' is not an integer`);
  const n = Number(value);
  if (n < min || n > max) {
    throw new UsageError(`${option}: ${value} is out of range (${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `${min}–${max}`})`);
  }
  return n;
}

export function parseChoice<T extends string>(value: string, option: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${option}: '${value}' is not one of ${choices.join(', ')}`);
  }
  return value as T;
}

export function parseOnOff(value: string, option: string): boolean {
  return parseChoice(value, option, ['on', 'off'] as const) === 'on';
}

/**
 * A comma-separated list: no empty list, no empty item, and — unless
 * `canonical` is null — no item twice (compared after `canonical`, so
 * `deflate` and `deflate:6` are the same item).
 */
export function parseList<T>(value: string, option: string, parse: (item: string) => T, canonical: ((v: T) => string) | null = String): T[] {
  if (value.trim() === '') throw new UsageError(`${option}: the list is empty`);
  const items = value.split(',').map((s) => s.trim());
  const seen = new Map<string, string>();
  const out: T[] = [];
  items.forEach((item, i) => {
    if (item === '') throw new UsageError(`${option}: item ${i + 1} of '${value}' is empty`);
    const v = parse(item);
    if (canonical !== null) {
      const key = canonical(v);
      const before = seen.get(key);
      if (before !== undefined) throw new UsageError(`${option}: '${item}' is listed twice${before !== item ? ` (as '${before}' too)` : ''}`);
      seen.set(key, item);
    }
    out.push(v);
  });
  return out;
}

/** The options of SPEC §3–§8 as commander hands them over (strings, undefined when absent). */
export interface MachineOptions {
  ram?: string;
  swap?: string;
  swapPrio?: string;
  kernel?: string;
  compressor?: string;
  zpool?: string;
  maxPoolPercent?: string;
  acceptThresholdPercent?: string;
  limitPolicy?: string;
  sameFilledPages?: string;
  duplicate?: string;
  frontswapDup?: string;
  zeromap?: string;
  exclusiveLoads?: string;
  shrinkWorkerPace?: string;
  swapcacheWrite?: string;
  reclaimBatch?: string;
  reclaim?: string;
  poolInRam?: string;
  threads?: string;
  checkInvariants?: boolean;
  zswap?: string;
  zramAlgorithm?: string;
  zramMemLimit?: string;
  backend?: string;
  frontswapWritethrough?: string;
  exclusiveGets?: string;
  xenMaxmem?: string;
  xenHostFree?: string;
  zcacheGen?: string;
  ramsterPeers?: string;
  ramsterTarget?: string;
  ramsterRemotify?: string;
  ramsterRttUs?: string;
  selfshrink?: string;
  selfballoonInterval?: string;
  frontswapHysteresis?: string;
  frontswapInertia?: string;
  recordsPerSecond?: string;
}

export { KERNELS };
export const LIMIT_POLICIES = ['sync-reclaim', 'reject-shrink', 'shrink-until-accept'] as const;
export const DUPLICATE_POLICIES = ['overwrite', 'reject', 'bug', 'stale', 'replace'] as const;
export const FRONTSWAP_DUP_MODES = ['clear', 'invalidate-on-fail', 'invalidate-first'] as const;

/** A combination the kernel cannot have: status 2, naming both options. */
function refuse(option: string, value: string, kernel: KernelProfile, why: string): never {
  throw new UsageError(`${option} ${value} cannot be used with --kernel ${kernel}: ${why}`);
}

export function parseKernel(value: string): KernelProfile {
  return parseChoice(value, '--kernel', KERNELS);
}

/** A zpool the profile has (SPEC §5.1: "a --zpool outside the profile's row" is refused). */
export function parseZpool(value: string, kernel: KernelProfile, option = '--zpool'): ZpoolName {
  const zpool = parseChoice<ZpoolName>(value, option, ZPOOLS);
  const have = PROFILES[kernel].zpools;
  if (!have.includes(zpool)) refuse(option, zpool, kernel, `Linux ${kernel} has ${have.join(', ')} only`);
  return zpool;
}

export function parsePace(value: string): number | 'sync' {
  return value.trim() === 'sync' ? 'sync' : parseInteger(value, '--shrink-worker-pace', 1);
}

export function buildSettings(o: MachineOptions, traceName: string): RunSettings {
  const kernel = parseKernel(o.kernel ?? DEFAULT_KERNEL);
  const profile = PROFILES[kernel];
  const direct = !profile.frontswap;
  const ramPages = parsePages(o.ram ?? '64M', '--ram');  // a percentage was resolved by resolveRamPercent
  const devices = parseSwapLayout(o.swap ?? '256M', '--swap');
  const swapSizes = devices.map((d) => d.pages);
  const zram = zramConfigs(devices, o, kernel);
  let swapPrio: number[];
  if (o.swapPrio === undefined) swapPrio = swapSizes.map((_, i) => -1 - i);
  else {
    swapPrio = parseList(o.swapPrio, '--swap-prio', (p) => parseInteger(p, '--swap-prio', -32768, 32767), null);
    if (swapPrio.length !== swapSizes.length) {
      throw new UsageError(`--swap-prio: ${swapPrio.length} priorities for ${swapSizes.length} swap devices`);
    }
  }
  const compressor = parseCodecName(o.compressor ?? 'lz4', '--compressor').canonical;
  const zpool = o.zpool === undefined ? profile.zpools[0] : parseZpool(o.zpool, kernel);
  parseChoice(o.reclaim ?? 'lru', '--reclaim', ['lru'] as const);
  const threads = o.threads === undefined ? availableParallelism() : parseInteger(o.threads, '--threads', 0);

  let limitPolicy = profile.limitPolicy;
  if (o.limitPolicy !== undefined) {
    limitPolicy = parseChoice<LimitPolicy>(o.limitPolicy, '--limit-policy', LIMIT_POLICIES);
    if (direct && limitPolicy !== 'shrink-until-accept') refuse('--limit-policy', limitPolicy, kernel, `Linux ${kernel} shrinks until the pool can accept (shrink-until-accept)`);
    if (!direct && limitPolicy === 'shrink-until-accept') refuse('--limit-policy', limitPolicy, kernel, 'the shrink-until-accept worker is 6.10+ (use --kernel 6.12 or 6.18)');
  }
  let sameFilled = profile.same_filled_pages;
  if (o.sameFilledPages !== undefined) {
    sameFilled = parseOnOff(o.sameFilledPages, '--same-filled-pages');
    if (direct && sameFilled) refuse('--same-filled-pages', 'on', kernel, 'from 6.12 zero pages go to the swap zeromap and other same-filled pages are compressed');
  }
  let frontswapDup: FrontswapDupMode | null = profile.frontswapDup;
  if (o.frontswapDup !== undefined) {
    const mode = parseChoice<FrontswapDupMode>(o.frontswapDup, '--frontswap-dup', FRONTSWAP_DUP_MODES);
    if (direct) refuse('--frontswap-dup', mode, kernel, 'frontswap was removed in 6.6');
    frontswapDup = mode;
  }
  let zeromap = profile.zeromap;
  if (o.zeromap !== undefined) {
    zeromap = parseOnOff(o.zeromap, '--zeromap');
    if (!direct && zeromap) refuse('--zeromap', 'on', kernel, 'the swap zeromap is 6.12+');
  }
  const pace = o.shrinkWorkerPace === undefined ? 8 : parsePace(o.shrinkWorkerPace);

  const tmem = tmemConfig(o, kernel, ramPages);
  const other = tmem.backend !== 'zswap';
  const knobs = frontswapKnobs(o, kernel, tmem);

  const machine: MachineConfig = {
    traceName,
    ramPages,
    swapSlots: swapSizes,
    swapPrio,
    kernel,
    zpool,
    max_pool_percent: o.maxPoolPercent === undefined ? 20 : parseInteger(o.maxPoolPercent, '--max-pool-percent', 0, 1_000_000),
    accept_threshold_percent:
      o.acceptThresholdPercent === undefined ? profile.accept_threshold_percent : parseInteger(o.acceptThresholdPercent, '--accept-threshold-percent', 0, 100),
    limitPolicy,
    same_filled_pages: sameFilled,
    duplicate: o.duplicate === undefined ? profile.duplicate : parseChoice<DuplicatePolicy>(o.duplicate, '--duplicate', DUPLICATE_POLICIES),
    frontswapDup,
    zeromap,
    exclusiveLoads: o.exclusiveLoads === undefined ? profile.exclusiveLoads : parseOnOff(o.exclusiveLoads, '--exclusive-loads'),
    shrinkWorkerPace: pace,
    swapcacheWrite:
      o.swapcacheWrite === undefined ? 'free' : parseChoice<SwapcacheWrite>(o.swapcacheWrite, '--swapcache-write', ['free', 'keep'] as const),
    reclaimBatch: o.reclaimBatch === undefined ? 32 : parseInteger(o.reclaimBatch, '--reclaim-batch', 1, MAX_PAGES),
    poolInRam: o.poolInRam === undefined ? tmem.backend !== 'xen-tmem' : parseOnOff(o.poolInRam, '--pool-in-ram'),
    checkInvariants: o.checkInvariants === true,
    // zswap is off by default beside a zram device (SPEC §12.1)
    zswapEnabled: other ? false : o.zswap === undefined ? zram.every((z) => z === null) : parseOnOff(o.zswap, '--zswap'),
    zram,
    tmem,
    frontswapKnobs: knobs,
  };
  return { machine, compressor, threads };
}

/** Options of one backend only. */
const BACKEND_OPTIONS: [keyof MachineOptions, string, BackendName[]][] = [
  ['xenMaxmem', '--xen-maxmem', ['xen-tmem']],
  ['xenHostFree', '--xen-host-free', ['xen-tmem']],
  ['zcacheGen', '--zcache-gen', ['zcache', 'ramster']],
  ['ramsterPeers', '--ramster-peers', ['ramster']],
  ['ramsterTarget', '--ramster-target', ['ramster']],
  ['ramsterRemotify', '--ramster-remotify', ['ramster']],
  ['ramsterRttUs', '--ramster-rtt-us', ['ramster']],
];

/** zswap's options: refused with another backend (SPEC §13.0 rule 2). */
const ZSWAP_OPTIONS: [keyof MachineOptions, string][] = [
  ['zpool', '--zpool'],
  ['maxPoolPercent', '--max-pool-percent'],
  ['acceptThresholdPercent', '--accept-threshold-percent'],
  ['limitPolicy', '--limit-policy'],
  ['sameFilledPages', '--same-filled-pages'],
  ['duplicate', '--duplicate'],
  ['exclusiveLoads', '--exclusive-loads'],
];

/** --backend and its options (SPEC §13.0, §13.2–§13.5, §13.7). */
export function tmemConfig(o: MachineOptions, kernel: KernelProfile, ramPages: number): TmemConfig {
  const backend = parseChoice<BackendName>(o.backend ?? 'zswap', '--backend', BACKENDS);
  if (backend !== 'zswap' && kernel !== '3.11') refuse('--backend', backend, kernel, `${backend} is a frontswap backend of Linux 3.x (use --kernel 3.11)`);
  for (const [key, option, backends] of BACKEND_OPTIONS) {
    if (o[key] !== undefined && !backends.includes(backend)) throw new UsageError(`${option} cannot be used with --backend ${backend}: it is an option of --backend ${backends.join(' or ')}`);
  }
  if (backend !== 'zswap') {
    for (const [key, option] of ZSWAP_OPTIONS) {
      if (o[key] !== undefined) throw new UsageError(`${option} cannot be used with --backend ${backend}: it configures zswap`);
    }
    if (o.zswap === 'on') throw new UsageError(`--zswap on cannot be used with --backend ${backend}: frontswap has one backend`);
  }
  if (backend === 'xen-tmem') {
    if (o.compressor !== undefined) throw new UsageError('--compressor cannot be used with --backend xen-tmem: Xen stores pages whole (its compression is off by default and not modelled)');
    if (o.poolInRam === 'on') throw new UsageError('--pool-in-ram on cannot be used with --backend xen-tmem: its pages live in the hypervisor, not in guest frames');
  }
  if (backend === 'ramster' && o.zcacheGen !== undefined && o.zcacheGen.trim() !== '2') throw new UsageError('--zcache-gen 1 cannot be used with --backend ramster: ramster runs on zcache 2');

  let xen: TmemConfig['xen'] = null;
  if (backend === 'xen-tmem') {
    const maxPages = o.xenMaxmem === undefined ? 2 * ramPages : parsePages(o.xenMaxmem, '--xen-maxmem');
    if (maxPages < ramPages) throw new UsageError(`--xen-maxmem: ${o.xenMaxmem} is below --ram (${ramPages} pages): the domain's maximum includes its RAM`);
    xen = { maxPages, hostFreePages: o.xenHostFree === undefined ? ramPages : parsePages(o.xenHostFree, '--xen-host-free') };
  }
  const zcacheGen = backend === 'zcache' ? (o.zcacheGen === undefined ? 2 : parseChoice(o.zcacheGen, '--zcache-gen', ['1', '2'] as const) === '1' ? 1 : 2) : backend === 'ramster' ? 2 : null;

  let ramster: RamsterConfig | null = null;
  if (backend === 'ramster') {
    if (o.ramsterPeers === undefined) throw new UsageError('--ramster-peers is required with --backend ramster (NODE:SIZE[:down@K],…)');
    const peers = parseRamsterPeers(o.ramsterPeers);
    const target = o.ramsterTarget === undefined ? peers[0].node : parseInteger(o.ramsterTarget, '--ramster-target', 0, 7);
    if (!peers.some((p) => p.node === target)) throw new UsageError(`--ramster-target: node ${target} is not among --ramster-peers (${peers.map((p) => p.node).join(', ')})`);
    const remotify = parseChoice(o.ramsterRemotify ?? 'pers,eph', '--ramster-remotify', ['pers,eph', 'eph,pers', 'pers', 'eph', 'none'] as const);
    ramster = {
      peers,
      target,
      persRemotify: remotify.includes('pers'),
      ephRemotify: remotify.includes('eph'),
      rttUs: o.ramsterRttUs === undefined ? 100 : parseInteger(o.ramsterRttUs, '--ramster-rtt-us', 0),
    };
  }

  const shrinkDefault = backend === 'xen-tmem' || backend === 'ramster';
  const shrinkOn = o.selfshrink === undefined ? shrinkDefault : parseOnOff(o.selfshrink, '--selfshrink');
  if (shrinkOn && (backend === 'zswap' || backend === 'zcache')) throw new UsageError(`--selfshrink on cannot be used with --backend ${backend}: self-shrinking came with xen-selfballoon and ramster`);
  for (const [key, option] of [['selfballoonInterval', '--selfballoon-interval'], ['frontswapHysteresis', '--frontswap-hysteresis'], ['frontswapInertia', '--frontswap-inertia']] as const) {
    if (o[key] !== undefined && !shrinkOn) throw new UsageError(`${option} needs self-shrinking (--selfshrink on, with --backend xen-tmem or ramster)`);
  }
  const selfshrink = shrinkOn
    ? {
        interval: o.selfballoonInterval === undefined ? 5 : parseInteger(o.selfballoonInterval, '--selfballoon-interval', 1),
        hysteresis: o.frontswapHysteresis === undefined ? 20 : parseInteger(o.frontswapHysteresis, '--frontswap-hysteresis', 1),
        inertia: o.frontswapInertia === undefined ? 3 : parseInteger(o.frontswapInertia, '--frontswap-inertia', 1),
      }
    : null;
  const recordsPerSecond = o.recordsPerSecond === undefined ? 200 : parseInteger(o.recordsPerSecond, '--records-per-second', 1);
  return { backend, xen, zcacheGen, ramster, selfshrink, recordsPerSecond };
}

/** `--ramster-peers NODE:SIZE[:down@K],…`: 1–7 peers, nodes 0–7, distinct. */
export function parseRamsterPeers(value: string): RamsterPeer[] {
  const items = parseList(value, '--ramster-peers', (item) => {
    const m = /^(\d+):([^:]+)(?::down@(\d+))?$/.exec(item);
    if (m === null) throw new UsageError(`--ramster-peers: '${item}' is not NODE:SIZE or NODE:SIZE:down@K`);
    const node = parseInteger(m[1], '--ramster-peers (node)', 0, 7);
    return { node, size: parseSize(m[2], '--ramster-peers (size)'), downAt: m[3] === undefined ? null : parseInteger(m[3], '--ramster-peers (down@)', 0) };
  }, (p) => String(p.node));
  if (items.length > 7) throw new UsageError(`--ramster-peers: ${items.length} peers; ramster has at most 7 (eight nodes, this one among them)`);
  return items;
}

/** frontswap's writethrough and exclusive-gets knobs (SPEC §13.1): 3.11 and 5.10 only. */
function frontswapKnobs(o: MachineOptions, kernel: KernelProfile, tmem: TmemConfig): FrontswapKnobs | null {
  const has = PROFILES[kernel].frontswapKnobs;
  for (const [value, option] of [[o.frontswapWritethrough, '--frontswap-writethrough'], [o.exclusiveGets, '--exclusive-gets']] as const) {
    if (value !== undefined && !has) refuse(option, value, kernel, "frontswap's knobs were removed around 5.17 (use --kernel 3.11 or 5.10)");
  }
  if (!has) return null;
  const exclusiveDefault = tmem.backend === 'ramster' || (tmem.backend === 'zcache' && tmem.zcacheGen === 2);
  return {
    writethrough: o.frontswapWritethrough === undefined ? false : parseOnOff(o.frontswapWritethrough, '--frontswap-writethrough'),
    exclusiveGets: o.exclusiveGets === undefined ? exclusiveDefault : parseOnOff(o.exclusiveGets, '--exclusive-gets'),
  };
}

export interface SwapDeviceSpec {
  pages: number;
  zram: boolean;
}

/** `--swap SIZE[,SIZE…]`, an item `zram:SIZE` making that device a zram disk of that disksize (SPEC §12.1). */
export function parseSwapLayout(value: string, option: string): SwapDeviceSpec[] {
  return parseList(
    value,
    option,
    (item) => {
      const zram = item.startsWith('zram:');
      const pages = parsePages(zram ? item.slice(5) : item, option);
      if (pages < 1) throw new UsageError(`${option}: a device needs at least one page (slot 0 holds the swap header)`);
      return { pages, zram };
    },
    null,
  );
}

/** One value per zram device: a single value applies to all, a list needs one per device (in --swap order). */
function perZramDevice<T>(value: string, option: string, count: number, parse: (item: string) => T): T[] {
  const items = parseList(value, option, parse, null);
  if (items.length === 1) return Array.from({ length: count }, () => items[0]);
  if (items.length !== count) throw new UsageError(`${option}: ${items.length} values for ${count} zram devices (give one, or one per zram device)`);
  return items;
}

/** The zram devices of a layout (SPEC §12.1), with --zram-algorithm and --zram-mem-limit. */
function zramConfigs(devices: SwapDeviceSpec[], o: MachineOptions, kernel: KernelProfile): (ZramConfig | null)[] {
  const count = devices.filter((d) => d.zram).length;
  if (count === 0) {
    if (o.zramAlgorithm !== undefined) throw new UsageError('--zram-algorithm needs a zram device in --swap (an item zram:SIZE)');
    if (o.zramMemLimit !== undefined) throw new UsageError('--zram-mem-limit needs a zram device in --swap (an item zram:SIZE)');
    return devices.map(() => null);
  }
  if (kernel === '3.11' || kernel === '5.10') refuse('--swap', 'zram:…', kernel, 'zram is modelled for 6.1, 6.12 and 6.18');
  const algorithms = perZramDevice(o.zramAlgorithm ?? 'lzo-rle', '--zram-algorithm', count, (a) => parseCodecName(a, '--zram-algorithm').canonical);
  const limits = perZramDevice(o.zramMemLimit ?? '0', '--zram-mem-limit', count, (v) => Math.ceil(parseSize(v, '--zram-mem-limit') / PAGE_SIZE));
  let i = 0;
  return devices.map((d) => {
    if (!d.zram) return null;
    const k = i++;
    return { disksizePages: d.pages, algorithm: algorithms[k], limitPages: limits[k] };
  });
}

export type { LimitPolicy };

/**
 * `--ram N%`: N percent of the trace's working set (its peak number of live
 * pages, as `trace info` reports it), so one command suits any trace. It
 * reads the trace once more before the replay. Other forms pass unchanged.
 */
export async function resolveRamPercent<T extends { ram?: string }>(opts: T, trace: string): Promise<T> {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(opts.ram?.trim() ?? '');
  if (m === null) return opts;
  const percent = Number(m[1]);
  if (!(percent > 0 && percent <= 1000)) throw new UsageError(`--ram: ${opts.ram} is not a percentage of the working set between 0 and 1000 %`);
  const { working_set_pages } = await traceInfo(trace);
  if (working_set_pages === 0) throw new UsageError(`--ram: ${opts.ram} of the working set of ${trace}, which writes no page`);
  return { ...opts, ram: `${Math.max(1, Math.ceil((working_set_pages * percent) / 100))}p` };
}
