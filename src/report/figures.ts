/*
 * The figures a user decides on, derived from a report: what compressed
 * swap (zswap's pool and every zram device together) holds and what it
 * costs in RAM, the disk I/O left once zram's share of the swap I/O is
 * taken out, and the compression CPU of this process. `compare`'s table,
 * the verdict, the summary and the HTML report all read them from here, so
 * that one number has one definition.
 */
import { PAGE_SIZE } from '../page.js';
import type { Report } from './report.js';

/** Nothing is compressed: no zswap and no zram device (the baseline of `compare`). */
export function isBaseline(r: Report): boolean {
  return r.config.backend === 'zswap' && !r.config.zswap_enabled && r.config.zram.length === 0;
}

/** Pages a tmem backend holds (SPEC §13): Xen's persistent and ephemeral pages, zcache's local zpages. */
function backendPages(r: Report): number {
  const n = (o: Record<string, unknown> | null, k: string): number => (o === null ? 0 : Number(o[k] ?? 0));
  if (r.xen_tmem !== null) return n(r.xen_tmem, 'pgp_count') + n(r.xen_tmem, 'eph_count');
  return n(r.zcache, 'pers_zpages') + n(r.zcache, 'eph_zpages');
}

/** Pages held compressed (or as a fill word): zswap's stored_pages (or a tmem backend's pages) plus every zram device's pages_stored. */
export function storedPages(r: Report): number {
  return (r.zswap?.stored_pages ?? backendPages(r)) + r.zram.reduce((s, z) => s + z.orig_data_size / PAGE_SIZE, 0);
}

/**
 * RAM the compressed pages take: zswap's pool (the allocator's real pages)
 * or a tmem backend's pageframes — none for Xen tmem, whose pages live in
 * the hypervisor — plus every zram device's mem_used_total.
 */
export function poolBytes(r: Report): number {
  const own = r.xen_tmem !== null ? 0 : r.pool.pages * PAGE_SIZE;
  return own + r.zram.reduce((s, z) => s + z.mem_used_total, 0);
}

/** Bytes the stored pages would take uncompressed, minus what their pools take: negative when a pool costs more than it holds. */
export function ramSaved(r: Report): number {
  return storedPages(r) * PAGE_SIZE - poolBytes(r);
}

/** Stored pages ÷ pool pages: how much memory the pools stand for (null when they hold nothing). */
export function poolRatio(r: Report): number | null {
  const pool = poolBytes(r);
  return pool === 0 ? null : (storedPages(r) * PAGE_SIZE) / pool;
}

/** Pages written to disk: swap writes (pswpout without the zram devices' writes) and file pages written back or O_DIRECT. */
export function diskWrites(r: Report): number {
  return r.swap.pswpout - r.zram.reduce((s, z) => s + z.num_writes, 0) + r.file.writebacks + r.file.direct_writes;
}

/** Pages read from disk: swap reads (pswpin without the zram devices' reads) and file pages (cleancache misses). */
export function diskReads(r: Report): number {
  return r.swap.pswpin - r.zram.reduce((s, z) => s + z.num_reads, 0) + r.file.disk_reads;
}

export interface CompressionCpu {
  /** Pages compressed, by zswap and every zram device. */
  pages: number;
  /** Mean µs per compression (null when nothing was compressed). */
  usPerPage: number | null;
  /** Seconds of compression and decompression per GiB swapped out (null when nothing was). */
  secondsPerGiB: number | null;
}

/** This process's codec time (not the kernel's): per page compressed, and per GiB swapped out. */
export function compressionCpu(r: Report): CompressionCpu {
  const all = [r.compression, ...r.zram.map((z) => z.compression)];
  const pages = all.reduce((s, c) => s + c.pages, 0);
  const compressNs = all.reduce((s, c) => s + c.compress_ns_total, 0);
  const totalNs = compressNs + all.reduce((s, c) => s + c.decompress_ns_total, 0);
  const gib = (r.swap.swapouts * PAGE_SIZE) / 2 ** 30;
  return {
    pages,
    usPerPage: pages === 0 ? null : compressNs / pages / 1000,
    secondsPerGiB: gib === 0 || pages === 0 ? null : totalNs / 1e9 / gib,
  };
}

/** Disk I/O (writes + reads) a configuration avoids against the baseline; negative: it does more. */
export function diskIoAvoided(r: Report, base: Report): number {
  return diskWrites(base) + diskReads(base) - diskWrites(r) - diskReads(r);
}

/** The short names of configurations: only what varies between them, e.g. `lz4 zbud`, `zram lzo-rle + disk`. */
export function configLabels(reports: Report[]): string[] {
  const configs = reports.filter((r) => !isBaseline(r));
  const zswap = configs.filter((r) => r.config.zswap_enabled);
  const varies = (among: Report[], f: (r: Report) => unknown): boolean => new Set(among.map((r) => JSON.stringify(f(r)))).size > 1;
  // another frontswap backend in the table: zswap's rows say they are zswap's
  const anyZram = configs.some((r) => r.config.zram.length > 0 || r.config.backend !== 'zswap');
  const withZram = configs.filter((r) => r.config.zram.length > 0);
  const show = {
    compressor: varies(zswap, (r) => r.config.compressor) || !anyZram,
    zpool: varies(zswap, (r) => r.config.zpool),
    limit: varies(zswap, (r) => r.config.max_pool_percent),
    kernel: varies(configs, (r) => r.config.kernel),
    zramSize: varies(withZram, (r) => r.config.zram.map((z) => z.disksize)),
  };
  const gens = new Set(configs.map((r) => r.config.zcache_gen).filter((g) => g !== null));
  const compressorsVary = varies(configs.filter((r) => r.config.compressor !== null), (r) => r.config.compressor);
  const labels = reports.map((r) => {
    if (isBaseline(r)) return 'no compressed swap';
    const c = r.config;
    if (c.backend !== 'zswap') {
      const gen = c.backend === 'zcache' && (gens.size > 1 || configs.some((x) => x.config.backend === 'ramster')) ? ` gen ${c.zcache_gen}` : '';
      const codec = c.compressor !== null && compressorsVary ? ` ${c.compressor}` : '';
      return `${c.backend}${gen}${codec}${show.kernel ? ` (${c.kernel})` : ''}`;
    }
    const parts: string[] = [];
    if (c.zswap_enabled) {
      const z = [anyZram ? 'zswap' : null, show.compressor || anyZram ? c.compressor : null, show.zpool ? c.zpool : null, show.limit ? `${c.max_pool_percent}%` : null];
      parts.push(z.filter((p) => p !== null).join(' '));
    }
    if (c.zram.length > 0) {
      const disks = c.swap_devices.length - c.zram.length;
      const size = show.zramSize ? ` ${c.zram.map((z) => sizeArg(z.disksize)).join('+')}` : '';
      parts.push(`zram${size} ${[...new Set(c.zram.map((z) => z.algorithm))].join('/')}${disks > 0 ? ' + disk' : ''}`);
    }
    const label = parts.join(' + ') || (c.compressor ?? c.backend);
    return show.kernel ? `${label} (${c.kernel})` : label;
  });
  // what the names above leave equal (e.g. disks of different sizes) the swap layout tells apart
  const count = new Map<string, number>();
  for (const l of labels) count.set(l, (count.get(l) ?? 0) + 1);
  return labels.map((l, i) => (count.get(l)! > 1 ? `${l} (swap ${swapLayout(reports[i])})` : l));
}

/** A size as the command line takes it: 8M, 1G, 512K, or pages. */
function sizeArg(bytes: number): string {
  for (const [unit, n] of [['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10]] as const) if (bytes % n === 0) return `${bytes / n}${unit}`;
  return `${bytes / PAGE_SIZE}p`;
}

/** Swap devices as --swap writes them, e.g. `zram:8M,256M`: each device's size in bytes, and whether it is a zram disk. */
export function swapLayoutArg(devices: { bytes: number; zram: boolean }[]): string {
  return devices.map((d) => `${d.zram ? 'zram:' : ''}${sizeArg(d.bytes)}`).join(',');
}

function swapLayout(r: Report): string {
  return swapLayoutArg(r.config.swap_devices.map((bytes, type) => ({ bytes, zram: r.config.zram.some((z) => z.type === type) })));
}
