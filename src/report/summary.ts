/*
 * The human-readable summary of one run: the report's counters grouped as
 * the kernel groups them (vmstat, frontswap, zswap debugfs), plus what a user
 * decides on: RAM saved, device I/O, compression.
 */
import Table from 'cli-table3';
import { PAGE_SIZE } from '../page.js';
import type { Report } from './report.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`;
}

function ns(v: number | null): string {
  if (v === null) return '–';
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)} ms` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} µs` : `${v} ns`;
}

function section(title: string, rows: [string, string | number][]): string {
  const t = new Table({ head: [title, ''], style: { head: [], border: [], compact: true }, colAligns: ['left', 'right'] });
  for (const [k, v] of rows) t.push([k, typeof v === 'number' ? v.toLocaleString('en-US') : v]);
  return t.toString();
}

/** Stored pages × 4096 ÷ pool bytes: how much memory the pool stands for (null for an empty pool). */
export function effectivePoolRatio(r: Report): number | null {
  return r.zswap.pool_total_size === 0 ? null : (r.zswap.stored_pages * PAGE_SIZE) / r.zswap.pool_total_size;
}

/** Bytes the stored pages would take uncompressed minus what the pool takes. */
export function ramSaved(r: Report): number {
  return r.zswap.stored_pages * PAGE_SIZE - r.zswap.pool_total_size;
}

export function formatSummary(r: Report): string {
  const c = r.config;
  const comp = r.compression;
  const lines: string[] = [];
  lines.push(
    `zswap-sim: ${c.trace} — kernel ${c.kernel}, ${c.compressor}/${c.zpool}, RAM ${formatBytes(c.ram)}, ` +
      `swap ${c.swap_devices.map(formatBytes).join('+')}, max_pool_percent ${c.max_pool_percent}`,
  );
  lines.push(
    section('vm', [
      ['accesses', r.vm.accesses],
      ['major faults', r.vm.major_faults],
      ['evictions', r.vm.evictions],
      ['zero-page reads', r.vm.zero_page_reads],
      ['frees of absent pages', r.vm.free_absent],
    ]),
  );
  lines.push(
    section('swap', [
      ['swapouts (to a slot)', r.swap.swapouts],
      ['swapins (major faults served)', r.swap.swapins],
      ['pswpout (device writes)', r.swap.pswpout],
      ['pswpin (device reads)', r.swap.pswpin],
      ['slots used peak / total', `${r.swap.slots_used_peak.toLocaleString('en-US')} / ${r.swap.slots_total.toLocaleString('en-US')}`],
    ]),
  );
  lines.push(section('frontswap', Object.entries(r.frontswap)));
  lines.push(
    section('zswap (debugfs)', [
      ...Object.entries(r.zswap).map(([k, v]): [string, string | number] => [k, k.startsWith('pool_total_size') ? `${v.toLocaleString('en-US')} (${formatBytes(v)})` : v]),
      ['RAM saved now (stored pages − pool)', formatBytes(ramSaved(r))],
    ]),
  );
  lines.push(
    section('compression', [
      ['pages compressed', comp.pages],
      ['overflow (> 4096 B)', comp.overflow_pages],
      ['ratio', comp.ratio === null ? '–' : comp.ratio.toFixed(3)],
      ['size p50 / p90 / p99', `${comp.size_percentiles.p50 ?? '–'} / ${comp.size_percentiles.p90 ?? '–'} / ${comp.size_percentiles.p99 ?? '–'} B`],
      ['compress p50 / p99', `${ns(comp.compress_ns_percentiles.p50)} / ${ns(comp.compress_ns_percentiles.p99)}`],
      ['decompress p50 / p99', `${ns(comp.decompress_ns_percentiles.p50)} / ${ns(comp.decompress_ns_percentiles.p99)}`],
      ['pool pages / bytes stored', `${r.pool.pages.toLocaleString('en-US')} / ${formatBytes(r.pool.bytes_stored)}`],
      ['zbud pages with one / two objects', `${r.distributions.pool_pages_by_occupancy.one} / ${r.distributions.pool_pages_by_occupancy.two}`],
      ['pool ratio (stored pages ÷ pool pages)', effectivePoolRatio(r)?.toFixed(2) ?? '–'],
    ]),
  );
  lines.push(
    section('verify', [
      ['loads checked', r.verify.loads_checked],
      ['checked at the end', r.verify.final_checked],
      ['corrupt loads', r.verify.corrupt_loads],
      ['wall time', `${r.timing.wall_s.toFixed(2)} s (${Math.round(r.timing.pages_per_s).toLocaleString('en-US')} swapouts/s)`],
    ]),
  );
  return `${lines.join('\n')}\n`;
}

export function formatCorrupt(r: Report): string {
  const v = r.verify;
  const lines = [`verification FAILED: ${v.corrupt_loads} corrupt load${v.corrupt_loads === 1 ? '' : 's'}`];
  for (const c of v.corrupt) {
    lines.push(
      `  ${c.when === 'fault' ? 'load' : 'final check'} of AS ${c.as} VPN 0x${c.vpn.toString(16)} from ${c.source}, ` +
        `swap type ${c.type} offset ${c.offset}, at ${r.config.trace}:${c.line}: content differs from what the trace wrote`,
    );
  }
  if (v.corrupt.length < v.corrupt_loads) lines.push(`  … and ${v.corrupt_loads - v.corrupt.length} more`);
  return `${lines.join('\n')}\n`;
}
