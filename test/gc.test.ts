import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { collectDeadBuffers } from '../src/gc.js';

describe('collectDeadBuffers', () => {
  it('leaves a thread alone while its buffers outside the heap stay under the bound', () => {
    expect(collectDeadBuffers(Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('runs a minor collection above the bound, and frees dead buffers', async () => {
    // 16 MB of buffers, dead as soon as this returns
    const sizes = Array.from({ length: 64 }, () => new Uint8Array(256 * 1024).fill(1).length);
    expect(sizes.reduce((a, b) => a + b)).toBe(16 * 1024 * 1024);
    const withGarbage = getHeapStatistics().external_memory;
    expect(collectDeadBuffers(withGarbage - 8 * 1024 * 1024)).toBe(true);
    // backing stores are released by V8's sweeper, possibly just after the collection returns
    for (let i = 0; i < 50 && getHeapStatistics().external_memory > withGarbage - 8 * 1024 * 1024; i++) await new Promise((r) => setTimeout(r, 10));
    expect(getHeapStatistics().external_memory).toBeLessThan(withGarbage - 8 * 1024 * 1024);
  });
});
