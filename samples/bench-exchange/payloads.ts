/**
 * The record batches the exchange benchmark sends between threads: the shapes Sluice jobs
 * move (numbers, small objects such as a Nexmark bid, key–value tuples, text lines), made
 * deterministically so every run and every codec sees the same records.
 */
import { lowbias32 } from '../common/lowbias32';

/** A Nexmark bid as the Nexmark generator defines it (prices in cents, times in epoch ms). */
export interface Bid {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly dateTime: number;
  readonly extra: string;
}

export type PayloadId = 'numbers' | 'bids' | 'tuples' | 'strings';
export const PAYLOADS: readonly PayloadId[] = ['numbers', 'bids', 'tuples', 'strings'];

/** What the runtime sends in one records message: records and their event timestamps side by side. */
export interface Batch {
  readonly records: unknown[];
  readonly timestamps: number[];
}

const EPOCH = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function text(seed: number, length: number): string {
  let s = '';
  let h = seed;
  for (let i = 0; i < length; i++) {
    h = lowbias32(h + i);
    s += LETTERS[h % LETTERS.length];
  }
  return s;
}

function record(payload: PayloadId, index: number): unknown {
  const h = lowbias32(index);
  switch (payload) {
    case 'numbers':
      // Half integers (counts, ids), half fractional amounts.
      return index % 2 === 0 ? h % 1_000_000 : (h % 1_000_000) / 100;
    case 'bids': {
      const bid: Bid = {
        auction: 1000 + (h % 10_000),
        bidder: 1000 + (lowbias32(h) % 100_000),
        price: 100 + (h % 100_000),
        channel: CHANNELS[h % CHANNELS.length],
        url: `https://www.nexmark.com/${text(h, 5)}/item.htm?query=1&channel_id=${h % 1000}`,
        dateTime: EPOCH + index,
        extra: text(h >>> 3, 24),
      };
      return bid;
    }
    case 'tuples':
      return [`account-${h % 50_000}`, h % 1000];
    case 'strings':
      return `${EPOCH + index} GET /item/${h % 100_000} 200 ${text(h, 40)}`;
  }
}

/** `count` distinct batches of `size` records of one payload, with increasing event timestamps. */
export function makeBatches(payload: PayloadId, size: number, count: number): Batch[] {
  const batches: Batch[] = [];
  for (let b = 0; b < count; b++) {
    const records: unknown[] = [];
    const timestamps: number[] = [];
    for (let i = 0; i < size; i++) {
      const index = b * size + i;
      records.push(record(payload, index));
      timestamps.push(EPOCH + index);
    }
    batches.push({ records, timestamps });
  }
  return batches;
}

/**
 * What the consumer does with each record: reads every field, so that no codec can win by
 * decoding lazily. Both sides of every run compute it; the driver checks they agree.
 */
export function touch(payload: PayloadId, batch: Batch): number {
  let sum = 0;
  const records = batch.records;
  for (let i = 0; i < records.length; i++) {
    switch (payload) {
      case 'numbers':
        sum += records[i] as number;
        break;
      case 'bids': {
        const b = records[i] as Bid;
        sum += b.auction + b.bidder + b.price + b.channel.length + b.url.length + (b.dateTime - EPOCH) + b.extra.length;
        break;
      }
      case 'tuples': {
        const t = records[i] as [string, number];
        sum += t[0].length + t[1];
        break;
      }
      case 'strings':
        sum += (records[i] as string).length;
        break;
    }
  }
  for (let i = 0; i < batch.timestamps.length; i++) sum += batch.timestamps[i] - EPOCH;
  return sum;
}
