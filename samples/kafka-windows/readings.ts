/**
 * The input of the example, and the results it must give, computed directly from it.
 *
 * Temperature sensors report every `periodMs` of event time. A reading reaches Kafka up to
 * 1.5 s after it was taken (less than the job's watermark bound of 2 s, so it is never late),
 * except a few stragglers, sent 12 s after they were taken (a sensor that lost its
 * connection): by then their window has closed, so they are late. Everything is a function of
 * the size: the same size always gives the same readings in the same order.
 */
import { lowbias32 } from '../common/lowbias32';

export interface Reading {
  readonly sensor: string;
  /** Event time: when the reading was taken, ms since the epoch. */
  readonly ts: number;
  /** Half degrees: sums of them are exact in binary floating point, so every order of adding gives the same average. */
  readonly celsius: number;
}

/** One window's result for one sensor, as both jobs write it (the SQL sink's JSON: timestamps as text). */
export interface SensorAverage {
  readonly sensor: string;
  readonly window_start: string;
  readonly window_end: string;
  readonly readings: number;
  readonly avg_celsius: number;
}

export interface ExampleSize {
  readonly sensors: number;
  /** Event time covered by full windows; a multiple of 10. */
  readonly seconds: number;
  readonly periodMs: number;
}

export const DEFAULT_SIZE: ExampleSize = { sensors: 8, seconds: 60, periodMs: 20 };

/** Event time of the first reading: 2026-01-01 09:00:00 UTC. */
export const START = Date.UTC(2026, 0, 1, 9, 0, 0);
export const WINDOW_MS = 10_000;
/** The jobs' bound of out-of-orderness (job.ts: Time.seconds(2); sqlJob.ts: INTERVAL '2' SECOND). */
export const OUT_OF_ORDERNESS_MS = 2_000;
/** Largest delay of an ordinary reading; below the bound, so no ordinary reading is ever late. */
export const MAX_DELAY_MS = 1_500;
/** A straggler's delay. It is taken 4-6 s into its window and sent 12 s later, 6-8 s after the window's end. */
export const STRAGGLER_DELAY_MS = 12_000;
/**
 * Readings go on this long after the last full window, so that every partition's watermark
 * passes its end (the bound plus the largest delay, rounded up): that window closes; the one
 * after it stays open, as windows do when a stream stops for a while.
 */
export const TAIL_MS = 4_000;
/** Partitions of the input topic; sensor k writes to partition k mod PARTITIONS. */
export const PARTITIONS = 4;

export const sensorName = (k: number) => `sensor-${k + 1}`;

/** A reading and when it is sent, in event time; `straggler` when it is sent late on purpose. */
export interface Scheduled {
  readonly reading: Reading;
  readonly partition: number;
  readonly sendAt: number;
  readonly straggler: boolean;
}

/** Whether sensor k's reading taken at `ts` is a straggler: about one (sensor, window) in three has one. */
function isStraggler(k: number, ts: number, periodMs: number): boolean {
  const w = Math.floor((ts - START) / WINDOW_MS);
  if ((k + w) % 3 !== 0) return false;
  const into = 4_000 + (lowbias32(k * 7_919 + w) % 2_000);
  return ts - START - w * WINDOW_MS === into - (into % periodMs);
}

/** Every reading, in the order it is sent. */
export function schedule(size: ExampleSize): Scheduled[] {
  if (size.sensors < PARTITIONS) throw new RangeError(`at least ${PARTITIONS} sensors, one per partition (a partition without readings holds every watermark back)`);
  if (size.seconds <= 0 || size.seconds % 10 !== 0) throw new RangeError(`seconds must be a positive multiple of 10, got ${size.seconds}`);
  const end = START + size.seconds * 1000 + TAIL_MS;
  const out: Scheduled[] = [];
  for (let k = 0; k < size.sensors; k++) {
    for (let i = 0, ts = START; ts < end; i++, ts = START + i * size.periodMs) {
      const h = lowbias32(k * 1_000_003 + i);
      const celsius = 16 + (k % 5) + 0.5 * (h % 9);
      const straggler = isStraggler(k, ts, size.periodMs);
      const sendAt = ts + (straggler ? STRAGGLER_DELAY_MS : lowbias32(h) % MAX_DELAY_MS);
      out.push({ reading: { sensor: sensorName(k), ts, celsius }, partition: k % PARTITIONS, sendAt, straggler });
    }
  }
  return out.sort((a, b) => a.sendAt - b.sendAt || a.reading.ts - b.reading.ts || (a.reading.sensor < b.reading.sensor ? -1 : 1));
}

/** The timestamps of the SQL sink's JSON, which the DataStream job writes too: '2026-01-01 09:00:10.000'. */
export const sqlTimestamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

/** SQL's ROUND(x, 2) for x >= 0, to the last bit: both jobs round the same average the same way. */
export const roundTo2 = (x: number) => Math.round(x * 100) / 100;

export interface Expected {
  /** Every closed window's result per sensor, ordered by window, then sensor. */
  readonly averages: SensorAverage[];
  /** The stragglers, in the order they are sent. */
  readonly late: Reading[];
  /** Windows that close: those whose end the watermark of every partition passes. */
  readonly windows: number;
}

/**
 * The results, from the readings alone: a window closes when the watermark of every
 * partition (its largest timestamp minus the bound minus 1 ms) reaches its last millisecond;
 * it holds the readings of its time that are not stragglers.
 */
export function expectedResults(scheduled: readonly Scheduled[]): Expected {
  const maxTs = new Array<number>(PARTITIONS).fill(-Infinity);
  for (const s of scheduled) maxTs[s.partition] = Math.max(maxTs[s.partition], s.reading.ts);
  const watermark = Math.min(...maxTs) - OUT_OF_ORDERNESS_MS - 1;
  const sums = new Map<string, { sensor: string; start: number; readings: number; sum: number }>();
  for (const { reading, straggler } of scheduled) {
    const start = reading.ts - ((reading.ts - START) % WINDOW_MS);
    if (straggler || start + WINDOW_MS - 1 > watermark) continue;
    const id = `${start} ${reading.sensor}`;
    const acc = sums.get(id) ?? { sensor: reading.sensor, start, readings: 0, sum: 0 };
    acc.readings++;
    acc.sum += reading.celsius;
    sums.set(id, acc);
  }
  const averages = [...sums.values()]
    .sort((a, b) => a.start - b.start || a.sensor.localeCompare(b.sensor, 'en', { numeric: true }))
    .map((a) => ({ sensor: a.sensor, window_start: sqlTimestamp(a.start), window_end: sqlTimestamp(a.start + WINDOW_MS), readings: a.readings, avg_celsius: roundTo2(a.sum / a.readings) }));
  return { averages, late: scheduled.filter((s) => s.straggler).map((s) => s.reading), windows: new Set(averages.map((a) => a.window_start)).size };
}
