/*
 * Kernel profiles (SPEC §5.1): the defaults of one kernel's behaviour. Any
 * single flag overrides its entry.
 */
import type { FrontswapDupMode } from './frontswap.js';
import type { DuplicatePolicy, LimitPolicy } from './zswap.js';

export type KernelProfile = '3.11' | '5.10';

export interface ProfileDefaults {
  frontswapDup: FrontswapDupMode;
  duplicate: DuplicatePolicy;
  limitPolicy: LimitPolicy;
  accept_threshold_percent: number;
  same_filled_pages: boolean;
}

export const PROFILES: Record<KernelProfile, ProfileDefaults> = {
  '3.11': {
    frontswapDup: 'clear',
    duplicate: 'overwrite',
    limitPolicy: 'sync-reclaim',
    accept_threshold_percent: 90,
    same_filled_pages: false,
  },
  '5.10': {
    frontswapDup: 'invalidate-first',
    duplicate: 'bug',
    limitPolicy: 'reject-shrink',
    accept_threshold_percent: 90,
    same_filled_pages: true,
  },
};
