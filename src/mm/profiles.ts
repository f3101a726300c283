/*
 * Kernel profiles (SPEC §5.1): one kernel's defaults, as data. Any single
 * flag overrides its entry, except the combinations a kernel cannot have
 * (refused with status 2, naming both options).
 *
 *   3.11   frontswap, zbud only, sync reclaim at the limit; the 3.11–3.18
 *          duplicate-store data loss (frontswap-dup clear)
 *   5.10   frontswap invalidating duplicates first; reject-shrink with
 *          hysteresis; zbud, z3fold or zsmalloc (4-page zspages)
 *   6.1    as 5.10 (Debian 12); z3fold relists a partly evicted page
 *   6.12   no frontswap: zeromap, exclusive loads, silent replace of
 *          duplicates, the shrink worker with its second chance; zsmalloc
 *          (8-page zspages) by default (Debian 13, RHEL 10)
 *   6.18   as 6.12, zsmalloc only, incompressible pages stored raw
 */
import type { FrontswapDupMode } from './frontswap.js';
import type { ZpoolName } from './pools/zpool.js';
import type { ChainSize } from './pools/zsmalloc.js';
import type { DuplicatePolicy, Incompressible, LimitPolicy } from './zswap.js';

export const KERNELS = ['3.11', '5.10', '6.1', '6.12', '6.18'] as const;
export type KernelProfile = (typeof KERNELS)[number];
export const DEFAULT_KERNEL: KernelProfile = '6.12';

export interface Profile {
  /** zswap sits behind frontswap (≤ 6.1), else the swap path calls it directly. */
  frontswap: boolean;
  frontswapDup: FrontswapDupMode | null;
  duplicate: DuplicatePolicy;
  limitPolicy: LimitPolicy;
  /** The limit tests and debugfs read a cached pool_total_size (≤ 6.1). */
  cachedTotalSize: boolean;
  accept_threshold_percent: number;
  same_filled_pages: boolean;
  zeromap: boolean;
  exclusiveLoads: boolean;
  incompressible: Incompressible;
  /** The zpools the kernel has, the default first. */
  zpools: readonly ZpoolName[];
  /** zsmalloc's chain size; null where the profile has no zsmalloc. */
  chain: ChainSize | null;
  /** zbud and z3fold keep their LRU and reclaim (≤ 6.4). */
  poolLru: boolean;
  /** z3fold puts a partly evicted page back on its list. */
  z3foldRelist: boolean;
  /** frontswap's writethrough and exclusive-gets knobs exist (3.5–5.16). */
  frontswapKnobs: boolean;
}

/* Each kernel as its predecessor plus what changed, as the header lists. */
const LINUX_3_11: Profile = {
  frontswap: true,
  frontswapDup: 'clear',
  duplicate: 'overwrite',
  limitPolicy: 'sync-reclaim',
  cachedTotalSize: true,
  accept_threshold_percent: 90,
  same_filled_pages: false,
  zeromap: false,
  exclusiveLoads: false,
  incompressible: 'fail',
  zpools: ['zbud'],
  chain: null,
  poolLru: true,
  z3foldRelist: true,
  frontswapKnobs: true,
};

const LINUX_5_10: Profile = {
  ...LINUX_3_11,
  frontswapDup: 'invalidate-first',
  duplicate: 'bug',
  limitPolicy: 'reject-shrink',
  same_filled_pages: true,
  zpools: ['zbud', 'z3fold', 'zsmalloc'],
  chain: 4,
  z3foldRelist: false,
};

const LINUX_6_1: Profile = { ...LINUX_5_10, z3foldRelist: true, frontswapKnobs: false };

const LINUX_6_12: Profile = {
  ...LINUX_6_1,
  frontswap: false,
  frontswapDup: null,
  duplicate: 'replace',
  limitPolicy: 'shrink-until-accept',
  cachedTotalSize: false,
  same_filled_pages: false,
  zeromap: true,
  exclusiveLoads: true,
  incompressible: 'reject_compress_fail',
  zpools: ['zsmalloc', 'zbud', 'z3fold'],
  chain: 8,
  poolLru: false,
};

const LINUX_6_18: Profile = { ...LINUX_6_12, incompressible: 'store-raw', zpools: ['zsmalloc'] };

export const PROFILES: Record<KernelProfile, Profile> = {
  '3.11': LINUX_3_11,
  '5.10': LINUX_5_10,
  '6.1': LINUX_6_1,
  '6.12': LINUX_6_12,
  '6.18': LINUX_6_18,
};

/** zswap_header before each object: 8 where the pool can evict through zswap's header (≤ 6.1 zbud, z3fold), else 0. */
export function headerLength(profile: Profile, zpool: ZpoolName): number {
  return profile.frontswap && zpool !== 'zsmalloc' ? 8 : 0;
}
