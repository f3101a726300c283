/*
 * Option values (SPEC §10): sizes, integers in a range, enumerations, and the
 * machine configuration they make. Every bad value is a UsageError (status 2)
 * naming the option.
 */
import { availableParallelism } from 'node:os';
import { parseCodecName } from '../compress/registry.js';
import { UsageError } from '../errors.js';
import type { FrontswapDupMode } from '../mm/frontswap.js';
import { PROFILES, type KernelProfile } from '../mm/profiles.js';
import type { MachineConfig, SwapcacheWrite } from '../mm/replay.js';
import type { RunSettings } from '../sim/simulate.js';
import type { DuplicatePolicy, LimitPolicy } from '../mm/zswap.js';
import { PAGE_SIZE } from '../page.js';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, p: PAGE_SIZE };

/** A size in bytes: plain bytes, K/M/G (powers of 1024, either case) or p (pages). */
export function parseSize(value: string, option: string): number {
  const m = /^(\d+)([kKmMgGpP]?)$/.exec(value.trim());
  if (!m) throw new UsageError(`${option}: '${value}' is not a size (e.g. 64M, 1G, 16384p, 4096)`);
  const bytes = Number(m[1]) * UNITS[m[2].toLowerCase()];
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`${option}: '${value}' is too large`);
  return bytes;
}

/** A size that must be a whole number of pages; returns pages. */
export function parsePages(value: string, option: string): number {
  const bytes = parseSize(value, option);
  if (bytes % PAGE_SIZE !== 0) throw new UsageError(`${option}: ${value} is not a whole number of ${PAGE_SIZE}-byte pages`);
  return bytes / PAGE_SIZE;
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
  swapcacheWrite?: string;
  reclaimBatch?: string;
  reclaim?: string;
  poolInRam?: string;
  threads?: string;
  checkInvariants?: boolean;
}

export const KERNELS = ['3.11', '5.10'] as const;
export const LIMIT_POLICIES = ['sync-reclaim', 'reject-shrink'] as const;
export const DUPLICATE_POLICIES = ['overwrite', 'reject', 'bug', 'stale'] as const;
export const FRONTSWAP_DUP_MODES = ['clear', 'invalidate-on-fail', 'invalidate-first'] as const;

export function buildSettings(o: MachineOptions, traceName: string): RunSettings {
  const kernel: KernelProfile = parseChoice(o.kernel ?? '5.10', '--kernel', KERNELS);
  const profile = PROFILES[kernel];
  const ramPages = parsePages(o.ram ?? '64M', '--ram');
  const swapSizes = (o.swap ?? '256M').split(',').map((s) => parsePages(s, '--swap'));
  for (const pages of swapSizes) {
    if (pages < 1) throw new UsageError(`--swap: a device needs at least one page (slot 0 holds the swap header)`);
  }
  let swapPrio: number[];
  if (o.swapPrio === undefined) swapPrio = swapSizes.map((_, i) => -1 - i);
  else {
    swapPrio = o.swapPrio.split(',').map((p) => parseInteger(p, '--swap-prio', -32768, 32767));
    if (swapPrio.length !== swapSizes.length) {
      throw new UsageError(`--swap-prio: ${swapPrio.length} priorities for ${swapSizes.length} swap devices`);
    }
  }
  const compressor = parseCodecName(o.compressor ?? 'lz4').canonical;
  parseChoice(o.zpool ?? 'zbud', '--zpool', ['zbud'] as const);
  parseChoice(o.reclaim ?? 'lru', '--reclaim', ['lru'] as const);
  const threads = o.threads === undefined ? availableParallelism() : parseInteger(o.threads, '--threads', 0);
  const machine: MachineConfig = {
    traceName,
    ramPages,
    swapSlots: swapSizes,
    swapPrio,
    kernel,
    zpool: 'zbud',
    max_pool_percent: o.maxPoolPercent === undefined ? 20 : parseInteger(o.maxPoolPercent, '--max-pool-percent', 0),
    accept_threshold_percent:
      o.acceptThresholdPercent === undefined
        ? profile.accept_threshold_percent
        : parseInteger(o.acceptThresholdPercent, '--accept-threshold-percent', 0, 100),
    limitPolicy: o.limitPolicy === undefined ? profile.limitPolicy : parseChoice(o.limitPolicy, '--limit-policy', LIMIT_POLICIES),
    same_filled_pages: o.sameFilledPages === undefined ? profile.same_filled_pages : parseOnOff(o.sameFilledPages, '--same-filled-pages'),
    duplicate: o.duplicate === undefined ? profile.duplicate : parseChoice<DuplicatePolicy>(o.duplicate, '--duplicate', DUPLICATE_POLICIES),
    frontswapDup:
      o.frontswapDup === undefined ? profile.frontswapDup : parseChoice<FrontswapDupMode>(o.frontswapDup, '--frontswap-dup', FRONTSWAP_DUP_MODES),
    swapcacheWrite:
      o.swapcacheWrite === undefined ? 'free' : parseChoice<SwapcacheWrite>(o.swapcacheWrite, '--swapcache-write', ['free', 'keep'] as const),
    reclaimBatch: o.reclaimBatch === undefined ? 32 : parseInteger(o.reclaimBatch, '--reclaim-batch', 1),
    poolInRam: o.poolInRam === undefined ? true : parseOnOff(o.poolInRam, '--pool-in-ram'),
    checkInvariants: o.checkInvariants === true,
    zswapEnabled: true,
  };
  return { machine, compressor, threads };
}

export type { LimitPolicy };
