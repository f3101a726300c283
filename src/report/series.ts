/*
 * Time series of a replay: the machine sampled every `every` records. The
 * interval starts at one record and doubles (dropping every other sample)
 * whenever the series reaches 2 × TARGET points, so a run of any length ends
 * with between TARGET and 2 × TARGET samples without knowing its length in
 * advance — a streamed gzip trace does not tell.
 */
import type { Machine } from '../mm/replay.js';

const TARGET = 256;

export const SERIES_FIELDS = ['records', 'pool_total_size', 'stored_pages', 'resident_pages', 'pswpout', 'pswpin', 'rejections', 'written_back_pages'] as const;
export type SeriesField = (typeof SERIES_FIELDS)[number];
export type TimeSeries = { every: number } & Record<SeriesField, number[]>;

export class Sampler {
  private every = 1;
  private next = 1;
  readonly series = Object.assign({ every: 1 }, Object.fromEntries(SERIES_FIELDS.map((f) => [f, [] as number[]]))) as unknown as TimeSeries;

  /** Call after every record; samples when its turn has come. */
  afterRecord(machine: Machine, records: number): void {
    if (records < this.next) return;
    this.sample(machine, records);
    this.next = records + this.every;
    if (this.series.records.length >= 2 * TARGET) {
      for (const f of SERIES_FIELDS) this.series[f] = this.series[f].filter((_, i) => i % 2 === 1);
      this.every *= 2;
      this.series.every = this.every;
    }
  }

  /** The final state, once the trace has ended. */
  finish(machine: Machine, records: number): TimeSeries {
    if (this.series.records.at(-1) !== records) this.sample(machine, records);
    return this.series;
  }

  private sample(m: Machine, records: number): void {
    const s = this.series;
    s.records.push(records);
    s.pool_total_size.push(m.zswap.poolTotalSize);
    s.stored_pages.push(m.zswap.stats.stored_pages);
    s.resident_pages.push(m.resident);
    s.pswpout.push(m.io.pswpout);
    s.pswpin.push(m.io.pswpin);
    s.rejections.push(m.zswap.failedStores);
    s.written_back_pages.push(m.zswap.stats.written_back_pages);
  }
}
