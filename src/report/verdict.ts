/*
 * The verdict: what a comparison means, in a few plain lines — which
 * configuration saves the most RAM, which avoids the most disk I/O, what
 * each costs in compression CPU, where results tie and why, and when the
 * comparison says nothing (nothing swapped). `compare` prints it after its
 * table and the HTML report opens with it; both call this one function.
 *
 * The rules, in order:
 *  1. A configuration that lost data (corrupt loads) is named first and is
 *     never recommended.
 *  2. No swap-out at all, or almost none (fewer than 2 % of the working set
 *     in the baseline): say so, with the working set and a --ram that would
 *     swap; nothing is called best.
 *  3. RAM saved (stored − pools): the largest, ties named together (with
 *     the zbud/z3fold reason when their pages cap it); none saves any: say so.
 *  4. Disk I/O avoided against the baseline (writes + reads, zram's own I/O
 *     excluded): the largest; a negative best is said as "more" I/O.
 *  5. Compression CPU per compressor: µs a page, seconds per GiB swapped out.
 *  6. The recommendation: one configuration when it wins both, the two
 *     winners otherwise, or the baseline when no configuration pays off.
 *  7. A caveat when a zsmalloc pool ends less than 80 % full: compaction is
 *     not modelled (SPEC §7.3), so its RAM saved is a lower bound. It comes
 *     before the recommendation, which is always the last line.
 */
import { PAGE_SIZE } from '../page.js';
import { compressionCpu, configLabels, diskIoAvoided, diskReads, diskWrites, isBaseline, poolRatio, ramSaved } from './figures.js';
import type { Report } from './report.js';
import { formatBytes } from './summary.js';

/** A zsmalloc pool whose pages are less full than this at the end gets the compaction caveat. */
const ZSMALLOC_FULL = 0.8;

/** The baseline swapped out fewer pages than this share of the working set: "almost nothing". */
const ALMOST_NOTHING = 0.02;

const count = (n: number): string => Math.abs(n).toLocaleString('en-US');

function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Indices of the largest value (exact ties together). */
function argmax(values: number[]): number[] {
  const best = Math.max(...values);
  return values.flatMap((v, i) => (v === best ? [i] : []));
}

/** Why tied configurations save the same RAM, when their pool caps it. */
function tieReason(tied: Report[]): string {
  const pools = new Set(tied.map((r) => (r.config.zswap_enabled && r.config.zram.length === 0 ? r.config.zpool : null)));
  const compressors = new Set(tied.map((r) => r.config.compressor));
  if (pools.size !== 1 || compressors.size < 2) return '';
  const pool = [...pools][0];
  if (pool === 'zbud') return ': zbud stores at most two objects a page, so every compressor above ~2:1 saves the same';
  if (pool === 'z3fold') return ': z3fold stores at most three objects a page, so every compressor above ~3:1 saves the same';
  return '';
}

/** Did the comparison swap enough to mean anything? (rule 2: the baseline, or else the first configuration) */
export function swapActivity(reports: Report[]): 'none' | 'almost none' | 'enough' {
  const ref = reports.find(isBaseline) ?? reports.find((r) => r.verify.corrupt_loads === 0) ?? reports[0];
  if (ref.swap.swapouts === 0) return 'none';
  return ref.swap.swapouts < ALMOST_NOTHING * ref.workload.pages_peak ? 'almost none' : 'enough';
}

export function verdict(reports: Report[]): string[] {
  const base = reports.find(isBaseline) ?? null;
  const labels = configLabels(reports);
  const configs = reports.map((r, i) => ({ r, label: labels[i] })).filter(({ r }) => !isBaseline(r));
  if (configs.length === 0) return [];
  const lines: string[] = [];

  // 1. data loss
  const lost = configs.filter(({ r }) => r.verify.corrupt_loads > 0);
  for (const { r, label } of lost) {
    lines.push(`${label} LOST DATA: ${count(r.verify.corrupt_loads)} load${r.verify.corrupt_loads === 1 ? '' : 's'} returned other content than the trace wrote — never use it.`);
  }
  const sound = configs.filter(({ r }) => r.verify.corrupt_loads === 0);
  if (sound.length === 0) return lines;

  // 2. nothing swapped
  const ref = base ?? sound[0].r;
  const working = ref.workload.pages_peak;
  const suggestion = `give it less RAM than that, e.g. --ram 50% (${formatBytes(Math.ceil(working / 2) * PAGE_SIZE)})`;
  const ws = `${count(working)} pages, ${formatBytes(working * PAGE_SIZE)}`;
  const activity = swapActivity(reports);
  if (activity === 'none') {
    lines.push(`Nothing was swapped out: the trace's working set (${ws}) fits in RAM (${formatBytes(ref.config.ram)}), so every configuration behaves the same. To compare them, ${suggestion}.`);
    return lines;
  }
  if (activity === 'almost none') {
    lines.push(
      `Almost nothing was swapped out (${count(ref.swap.swapouts)} pages for a working set of ${ws} in ${formatBytes(ref.config.ram)} of RAM): ` +
        `the differences are too small to choose by. To compare, ${suggestion}.`,
    );
    return lines;
  }

  // a single run (no baseline, one configuration) has nothing to be compared with
  if (base === null && sound.length === 1) return [...lines, ...zsmallocCaveat(sound)];

  // 3. RAM saved
  const saved = sound.map(({ r }) => ramSaved(r));
  const ramBest = argmax(saved);
  const ramWinners = ramBest.map((i) => sound[i]);
  if (saved[ramBest[0]] <= 0) {
    lines.push(`No configuration saves RAM: every pool takes at least as much as it holds uncompressed (best: ${ramWinners[0].label}, ${formatBytes(saved[ramBest[0]])}).`);
  } else {
    const ratio = poolRatio(ramWinners[0].r);
    const what = `${formatBytes(saved[ramBest[0]])}${ratio === null ? '' : `, pool ratio ${ratio.toFixed(2)}`}`;
    if (ramWinners.length === 1) lines.push(`Most RAM saved: ${ramWinners[0].label} (${what}).`);
    else lines.push(`${list(ramWinners.map((c) => c.label))} save the same RAM (${what})${tieReason(ramWinners.map((c) => c.r))}.`);
  }

  // 4. disk I/O avoided
  let ioWinners: typeof sound = [];
  let ioBest = 0;
  if (base !== null) {
    const avoided = sound.map(({ r }) => diskIoAvoided(r, base));
    const best = argmax(avoided);
    ioWinners = best.map((i) => sound[i]);
    ioBest = avoided[best[0]];
    const w = ioWinners[0].r;
    const detail = (r: Report): string => {
      const dw = diskWrites(base) - diskWrites(r);
      const dr = diskReads(base) - diskReads(r);
      const part = (d: number): string => (d === 0 ? 'the same' : `${count(d)} ${d > 0 ? 'fewer' : 'more'}`);
      return `disk writes ${part(dw)}, reads ${part(dr)}, against no compressed swap`;
    };
    const names = list(ioWinners.map((c) => c.label));
    if (ioBest > 0) lines.push(`Most disk I/O avoided: ${names} (${detail(w)}).`);
    else if (ioBest === 0) lines.push(`No configuration changes the disk I/O (best: ${names}, ${detail(w)}).`);
    else lines.push(`No configuration avoids disk I/O: even the best, ${names}, has ${detail(w)} — its pool takes RAM the workload needed.`);
  }

  // 5. cost
  const byCompressor = new Map<string, { us: number | null; perGiB: number | null }>();
  for (const { r } of sound) {
    const compresses = (r.config.zswap_enabled || r.config.backend !== 'zswap') && r.config.compressor !== null;
    const names = [...(compresses ? [r.config.compressor!] : []), ...r.config.zram.map((z) => z.algorithm)];
    const cpu = compressionCpu(r);
    const key = [...new Set(names)].join('+');
    if (!byCompressor.has(key) && cpu.usPerPage !== null) byCompressor.set(key, { us: cpu.usPerPage, perGiB: cpu.secondsPerGiB });
  }
  if (byCompressor.size > 0) {
    const parts = [...byCompressor].sort((a, b) => (a[1].us ?? 0) - (b[1].us ?? 0)).map(([name, c]) => `${name} ${c.us!.toFixed(1)} µs a page (${c.perGiB === null ? '–' : c.perGiB.toFixed(1)} s per GiB swapped out)`);
    lines.push(`Compression CPU (this process's codecs, not the kernel's): ${parts.join('; ')}.`);
  }

  // 7 before 6: the caveat, so that the verdict is the last word
  lines.push(...zsmallocCaveat(sound));

  // 6. the recommendation
  const savesRam = saved[ramBest[0]] > 0;
  const avoidsIo = base !== null && ioBest > 0;
  if (!savesRam && !avoidsIo) {
    lines.push(base === null ? 'Verdict: no configuration pays off on this trace.' : 'Verdict: no compressed swap — on this trace and machine no configuration pays for its pool.');
  } else {
    const both = ramWinners.filter((c) => !avoidsIo || ioWinners.includes(c));
    if (both.length > 0 && (avoidsIo || base === null)) {
      const cheapest = both.reduce((a, b) => ((compressionCpu(a.r).usPerPage ?? Infinity) <= (compressionCpu(b.r).usPerPage ?? Infinity) ? a : b));
      const why = avoidsIo ? 'it saves the most RAM and avoids the most disk I/O' : 'it saves the most RAM';
      lines.push(`Verdict: ${cheapest.label} — ${why}${both.length > 1 ? ', at the least compression CPU of those tied' : ''}.`);
    } else if (savesRam && avoidsIo) {
      lines.push(`Verdict: ${ramWinners[0].label} to save RAM, ${ioWinners[0].label} to avoid disk I/O.`);
    } else if (avoidsIo) {
      lines.push(`Verdict: ${ioWinners[0].label} — it avoids the most disk I/O.`);
    } else {
      lines.push(`Verdict: ${ramWinners[0].label} — it saves the most RAM, though no configuration avoids disk I/O.`);
    }
  }

  return lines;
}

/** 7. zsmalloc without compaction (zswap's pool or a zram device's): a caveat when a pool ends sparse. */
function zsmallocCaveat(sound: { r: Report; label: string }[]): string[] {
  const sparse = sound
    .flatMap(({ r, label }) => {
      const pools: { label: string; full: number }[] = [];
      if (r.config.zswap_enabled && r.config.zpool === 'zsmalloc' && r.pool.pages > 0) pools.push({ label, full: r.pool.bytes_stored / (r.pool.pages * PAGE_SIZE) });
      for (const z of r.zram) if (z.mem_used_total > 0) pools.push({ label: `${label} (zram${z.type})`, full: z.compr_data_size / z.mem_used_total });
      return pools;
    })
    .filter((z) => z.full < ZSMALLOC_FULL);
  if (sparse.length === 0) return [];
  const one = sparse.length === 1;
  return [
    `Caveat: zsmalloc compaction is not modelled (SPEC §7.3), and here it matters: ${list(sparse.map((z) => `${z.label} ${Math.round(100 * z.full)} %`))} full at the end. ` +
      `The kernel would compact ${one ? 'that pool' : 'those pools'}, so ${one ? 'its' : 'their'} RAM saved is a lower bound.`,
  ];
}
