/*
 * The kernel profiles against SPEC §5.1's table, row by row: the table is
 * written out here as SPEC prints it, so a profile that drifts from it fails.
 */
import { describe, expect, it } from 'vitest';
import { KERNELS, PROFILES, headerLength, type Profile } from '../src/mm/profiles.js';

type Row = [keyof Profile, ...unknown[]];
// columns: 3.11, 5.10, 6.1, 6.12, 6.18
const SPEC_5_1: Row[] = [
  ['frontswap', true, true, true, false, false],
  ['frontswapDup', 'clear', 'invalidate-first', 'invalidate-first', null, null],
  ['duplicate', 'overwrite', 'bug', 'bug', 'replace', 'replace'],
  ['limitPolicy', 'sync-reclaim', 'reject-shrink', 'reject-shrink', 'shrink-until-accept', 'shrink-until-accept'],
  ['cachedTotalSize', true, true, true, false, false],
  ['accept_threshold_percent', 90, 90, 90, 90, 90],
  ['same_filled_pages', false, true, true, false, false],
  ['zeromap', false, false, false, true, true],
  ['exclusiveLoads', false, false, false, true, true],
  ['incompressible', 'fail', 'fail', 'fail', 'reject_compress_fail', 'store-raw'],
  ['zpools', ['zbud'], ['zbud', 'z3fold', 'zsmalloc'], ['zbud', 'z3fold', 'zsmalloc'], ['zsmalloc', 'zbud', 'z3fold'], ['zsmalloc']],
  ['chain', null, 4, 4, 8, 8],
];

describe('kernel profiles (SPEC §5.1)', () => {
  it('the columns are the five kernels in order, 6.12 among them', () => {
    expect([...KERNELS]).toEqual(['3.11', '5.10', '6.1', '6.12', '6.18']);
  });

  for (const [field, ...values] of SPEC_5_1) {
    it(`${field}: ${values.map((v) => JSON.stringify(v)).join(' | ')}`, () => {
      expect(KERNELS.map((k) => PROFILES[k][field])).toEqual(values);
    });
  }

  it('zswap header hlen: 8 | 8 (zsmalloc 0) | 8 (zsmalloc 0) | 0 | 0', () => {
    const hlen = (k: (typeof KERNELS)[number]) => PROFILES[k].zpools.map((z) => [z, headerLength(PROFILES[k], z)]);
    expect(hlen('3.11')).toEqual([['zbud', 8]]);
    for (const k of ['5.10', '6.1'] as const) expect(hlen(k)).toEqual([['zbud', 8], ['z3fold', 8], ['zsmalloc', 0]]);
    expect(hlen('6.12')).toEqual([['zsmalloc', 0], ['zbud', 0], ['z3fold', 0]]);
    expect(hlen('6.18')).toEqual([['zsmalloc', 0]]);
  });

  it('the pool LRU and frontswap knobs where the kernel had them: zbud/z3fold LRU to 6.4, knobs 3.5–5.16', () => {
    expect(KERNELS.map((k) => PROFILES[k].poolLru)).toEqual([true, true, true, false, false]);
    expect(KERNELS.map((k) => PROFILES[k].frontswapKnobs)).toEqual([true, true, false, false, false]);
    // z3fold's relist of a partly evicted page: 6.1 has it, 5.10 does not (3.11 has no z3fold)
    expect(PROFILES['6.1'].z3foldRelist).toBe(true);
    expect(PROFILES['5.10'].z3foldRelist).toBe(false);
  });
});
