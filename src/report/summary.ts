/*
 * The human-readable summary of one run. By default it fits one screen:
 * what the swap path did with the pages, what the pool holds and what that
 * saves, why stores were refused, the compression figures and the
 * verification. `--verbose` adds every counter of the report, grouped as
 * the kernel groups them (vmstat, frontswap, zswap debugfs).
 */
import Table from 'cli-table3';
import { PAGE_SIZE } from '../page.js';
import type { Percentiles } from '../stats/histogram.js';
import { ramSaved } from './figures.js';
import type { Report } from './report.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2)} ${units[u]}`;
}

export const num = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toLocaleString('en-US'));

/** Nanoseconds as µs (the unit of every latency this program prints). */
export function micros(v: number | null): string {
  return v === null ? '–' : (v / 1000).toFixed(v >= 100_000 ? 0 : 1);
}

function section(title: string, rows: [string, string | number | null][]): string {
  const t = new Table({ head: [title, ''], style: { head: [], border: [], compact: true }, colAligns: ['left', 'right'] });
  for (const [k, v] of rows) t.push([k, typeof v === 'number' || v === null ? num(v) : v]);
  return t.toString();
}

/** Stored pages × 4096 ÷ pool bytes: how much memory the pool stands for (null for an empty pool). */
export function effectivePoolRatio(r: Report): number | null {
  return r.pool.pages === 0 || r.zswap === null ? null : (r.zswap.stored_pages * PAGE_SIZE) / (r.pool.pages * PAGE_SIZE);
}


/** The pool's size: debugfs's pool_total_size, with the allocator's real pages beside it when the cached value differs. */
export function poolSizeText(r: Report): string {
  const real = r.pool.pages * PAGE_SIZE;
  if (r.zswap === null) return formatBytes(real);
  const shown = formatBytes(r.zswap.pool_total_size);
  return real === r.zswap.pool_total_size ? shown : `${shown} (real ${formatBytes(real)})`;
}

const p3 = (p: Percentiles): string => `${num(p.p50)} / ${num(p.p90)} / ${num(p.p99)}`;

/** What the allocator made of the objects, one line. */
export function occupancyText(r: Report): string {
  const occ = r.distributions.pool_occupancy;
  if (r.config.zpool === 'zsmalloc') {
    const classes = Object.keys(occ).length;
    return `${classes} size classes in use`;
  }
  const parts = ['1', '2', '3', 'headless'].filter((k) => k in occ).map((k) => `${num(occ[k])} × ${k === 'headless' ? 'headless' : `${k} obj`}`);
  return `pages: ${parts.join(', ')}`;
}

function rejectionsText(r: Report): string {
  const z = r.zswap;
  if (z === null) return '–';
  const parts: string[] = [`limit ${num(z.pool_limit_hit)}`, `compress poor ${num(z.reject_compress_poor)}`];
  if (z.reject_compress_fail !== null) parts.push(`compress fail ${num(z.reject_compress_fail)}`);
  parts.push(`alloc ${num(z.reject_alloc_fail)}`, `reclaim fail ${num(z.reject_reclaim_fail)}`);
  return parts.join(', ');
}

export function formatSummary(r: Report, verbose = false): string {
  const c = r.config;
  // what compressed: zswap, or else the first zram device
  const comp = c.zswap_enabled || r.zram.length === 0 ? r.compression : r.zram[0].compression;
  const compTitle = c.zswap_enabled || r.zram.length === 0 ? 'compression' : `compression (zram${r.zram[0].type})`;
  const lines: string[] = [];
  const zram = c.zram.length === 0 ? '' : `, zram ${c.zram.map((z) => `${z.algorithm} ${formatBytes(z.disksize)}`).join(' + ')}`;
  lines.push(
    `zswap-sim: ${c.trace} — kernel ${c.kernel}, ${c.backend !== 'zswap' ? `frontswap backend ${c.backend}${c.compressor === null ? '' : ` (${c.compressor})`}` : c.zswap_enabled ? `zswap ${c.compressor}/${c.zpool} max_pool_percent ${c.max_pool_percent}` : 'zswap off'}${zram}, ` +
      `RAM ${formatBytes(c.ram)}, swap ${c.swap_devices.map(formatBytes).join('+')}`,
  );
  const s = r.swap;
  const toZswap = s.zswpout ?? (r.frontswap?.succ_stores ?? 0);
  lines.push(
    section('the swap path', [
      ['accesses / major faults', `${num(r.vm.accesses)} / ${num(r.vm.major_faults)}`],
      ['evicted by reclaim / paged out (o)', `${num(r.vm.evictions)} / ${num(r.vm.pageouts)}`],
      [`swap-outs: to ${c.backend === 'zswap' ? 'zswap' : c.backend} / zeromap / device`, `${num(toZswap)} / ${num(s.swpout_zero)} / ${num(s.pswpout - (r.zswap?.written_back_pages ?? 0))}`],
      ['RAM saved now (stored − pools)', formatBytes(ramSaved(r))],
      ['device writes / reads (pswpout / pswpin)', `${num(s.pswpout)} / ${num(s.pswpin)}`],
    ]),
  );
  const zs = r.zswap;
  if (c.zswap_enabled && zs !== null) lines.push(
    section('zswap', [
      ['stored pages now (peak)', `${num(zs.stored_pages)} (${num(zs.stored_pages_peak)})`],
      ['pool size now (peak)', `${poolSizeText(r)} (${formatBytes(zs.pool_total_size_peak)})`],
      ['pool ratio (stored ÷ pool pages)', effectivePoolRatio(r)?.toFixed(2) ?? '–'],
      ['rejected', rejectionsText(r)],
      ['written back', zs.written_back_pages],
      [c.zpool ?? '', occupancyText(r)],
    ]),
  );
  if (c.backend !== 'zswap') lines.push(section(`${c.backend}${c.zcache_gen !== null ? ` gen ${c.zcache_gen}` : ''}`, backendRows(r)));
  if (r.cleancache !== null && (r.cleancache.puts > 0 || r.cleancache.succ_gets + r.cleancache.failed_gets > 0 || r.file.reads + r.file.writes > 0)) {
    const cc = r.cleancache;
    lines.push(
      section('page cache and cleancache', [
        ['file reads (hits) / writes / O_DIRECT', `${num(r.file.reads)} (${num(r.file.read_hits)}) / ${num(r.file.writes)} / ${num(r.file.direct_writes)}`],
        ['cleancache gets: found / missed; puts', `${num(cc.succ_gets)} / ${num(cc.failed_gets)}; ${num(cc.puts)}`],
        ['disk reads / writebacks', `${num(r.file.disk_reads)} / ${num(r.file.writebacks)}`],
      ]),
    );
  }
  for (const z of r.zram) {
    const ratio = z.mem_used_total === 0 ? '–' : (z.orig_data_size / z.mem_used_total).toFixed(2);
    lines.push(
      section(`zram${z.type} (${z.algorithm}, ${formatBytes(z.disksize)}) — mm_stat`, [
        ['pages stored (same-filled / huge)', `${num(z.orig_data_size / PAGE_SIZE)} (${num(z.same_pages)} / ${num(z.huge_pages)})`],
        ['compr_data_size / mem_used_total', `${formatBytes(z.compr_data_size)} / ${formatBytes(z.mem_used_total)}`],
        ['ratio (orig ÷ mem_used) / mem_used_max', `${ratio} / ${formatBytes(z.mem_used_max)}`],
        ['writes / reads / failed writes', `${num(z.num_writes)} / ${num(z.num_reads)} / ${num(z.failed_writes)}`],
      ]),
    );
  }
  // nothing compressed (no zswap, zram or zcache at work): no section
  if (comp.pages > 0 || c.zswap_enabled)
    lines.push(
      section(`${compTitle} — times of this process, not the kernel`, [
        ['pages compressed (over 4096 B); ratio', `${num(comp.pages)} (${num(comp.overflow_pages)}); ${comp.ratio === null ? '–' : comp.ratio.toFixed(2)}`],
        ['size B p50 / p90 / p99 (fitting pages)', p3(comp.stored_size_percentiles)],
        [
          'compress; decompress µs p50 / p99',
          `${micros(comp.compress_ns_percentiles.p50)} / ${micros(comp.compress_ns_percentiles.p99)}; ${micros(comp.decompress_ns_percentiles.p50)} / ${micros(comp.decompress_ns_percentiles.p99)}`,
        ],
      ]),
    );
  lines.push(
    section('verify', [
      ['loads checked / at the end / corrupt', `${num(r.verify.loads_checked)} / ${num(r.verify.final_checked)} / ${num(r.verify.corrupt_loads)}`],
      ['wall time', `${r.timing.wall_s.toFixed(2)} s (${Math.round(r.timing.pages_per_s).toLocaleString('en-US')} swap-outs/s)`],
    ]),
  );
  if (verbose) lines.push(formatCounters(r));
  return `${lines.join('\n')}\n`;
}

/** A tmem backend's figures that matter most, one screen's worth; --verbose lists every counter. */
function backendRows(r: Report): [string, string | number | null][] {
  const rows: [string, string | number | null][] = [];
  const fs = r.frontswap;
  if (fs !== null) rows.push(['frontswap pages now (stores ok / failed)', `${num(fs.curr_pages)} (${num(fs.succ_stores)} / ${num(fs.failed_stores)})`]);
  if (r.xen_tmem !== null) {
    const x = r.xen_tmem as Record<string, number>;
    rows.push(['persistent / ephemeral pages (tot_pages of max_pages)', `${num(x.pgp_count)} / ${num(x.eph_count)} (${num(x.tot_pages)} of ${num(x.max_pages)})`]);
    rows.push(['puts: good / no memory; duplicates replaced / flushed', `${num(x.good_puts)} / ${num(x.no_mem_puts)}; ${num(x.dup_puts_replaced)} / ${num(x.dup_puts_flushed)}`]);
    rows.push(['gets found / all; evicted ephemeral pages', `${num(x.found_gets)} / ${num(x.gets)}; ${num(x.evicted_pgs)}`]);
  }
  if (r.zcache !== null) {
    const z = r.zcache as Record<string, number>;
    rows.push(['pageframes / zpages: persistent; ephemeral', `${num(z.pers_pageframes)} / ${num(z.pers_zpages)}; ${num(z.eph_pageframes)} / ${num(z.eph_zpages)}`]);
    rows.push(['failed puts pers / eph (compress poor, mean)', `${num(z.failed_pers_puts)} / ${num(z.failed_eph_puts)} (${num(z.compress_poor)}, ${num(z.mean_compress_poor)})`]);
  }
  if (r.ramster !== null) {
    const m = r.ramster as Record<string, number>;
    rows.push(['remoted: persistent / ephemeral (failed)', `${num(m.pers_pages_remoted)} / ${num(m.eph_pages_remoted)} (${num(m.pers_pages_remote_failed + m.eph_pages_remote_failed)})`]);
    rows.push(['remote gets: ok / node down', `${num(m.remote_pers_pages_succ_get + m.remote_eph_pages_succ_get)} / ${num(m.remote_gets_node_down)}`]);
  }
  if (r.selfshrink !== null) rows.push(['self-shrink: ticks / shrinks / pages', `${num(r.selfshrink.ticks)} / ${num(r.selfshrink.shrinks)} / ${num(r.selfshrink.pages)}`]);
  if (r.verify.orphaned_entries) rows.push(['orphaned entries (no frontswap bit)', r.verify.orphaned_entries]);
  return rows;
}

/** Every counter of the report, as the kernel groups them (`--verbose`). */
export function formatCounters(r: Report): string {
  const rows = (o: object): [string, number | null][] =>
    Object.entries(o).filter(([, v]) => typeof v === 'number' || v === null) as [string, number | null][];
  const parts = [section('vm', rows(r.vm)), section('swap (vmstat)', rows(r.swap))];
  if (r.frontswap !== null) parts.push(section('frontswap (debugfs)', rows(r.frontswap)));
  if (r.zswap !== null) parts.push(section('zswap (debugfs)', rows(r.zswap)));
  for (const [title, o] of [
    ['xen tmem (xl tmem-list)', r.xen_tmem],
    ['zcache (debugfs)', r.zcache],
    ['ramster (debugfs)', r.ramster],
    ['self-shrinking', r.selfshrink],
    ['cleancache (debugfs)', r.cleancache],
  ] as const) {
    if (o !== null) parts.push(section(title, rows(o)));
  }
  if (r.file.reads + r.file.writes + r.file.direct_writes > 0) parts.push(section('page cache', rows(r.file)));
  parts.push(section('pool', rows(r.pool)));
  parts.push(section('verify', rows(r.verify)));
  return parts.join('\n');
}

export function formatCorrupt(r: Report): string {
  const v = r.verify;
  const lines = [`verification FAILED: ${v.corrupt_loads} corrupt load${v.corrupt_loads === 1 ? '' : 's'}`];
  for (const c of v.corrupt) {
    if (c.type < 0 && (c.source === 'cleancache' || c.source === 'disk')) {
      // a file page (SPEC §13.6): filesystem, inode, page index
      lines.push(`  read of file page FS ${c.as} inode ${c.vpn} index ${c.offset} from ${c.source}, at ${r.config.trace}:${c.line}: content differs from what the trace wrote`);
      continue;
    }
    const what = c.when === 'fault' ? 'load' : c.when;
    const page = c.as >= 0 ? `AS ${c.as} VPN 0x${c.vpn.toString(16)}` : 'a page no longer mapped';
    lines.push(
      `  ${what} of ${page} from ${c.source}, swap type ${c.type} offset ${c.offset}, at ${r.config.trace}:${c.line}: ` +
        `content differs from what the trace wrote`,
    );
  }
  if (v.corrupt.length < v.corrupt_loads) lines.push(`  … and ${v.corrupt_loads - v.corrupt.length} more`);
  return `${lines.join('\n')}\n`;
}
