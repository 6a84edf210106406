/**
 * The stateless queries (q0, q1, q2) written with RxJS and with Node streams, for a same-run
 * comparison: the same generator, the same per-event logic, the same count at the end; only
 * what carries events from one step to the next differs (Sluice's tasks and batches, RxJS's
 * synchronous subscriber chain, Node's object-mode streams with their buffers and backpressure).
 */
import { Readable, Transform, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { filter, map, range } from 'rxjs';
import { NexmarkGenerator, NexmarkConfig } from './generator';
import { Bid, NexmarkEvent, isBid } from './model';
import { DOLLAR_TO_EURO } from './queries/q1';
import { AUCTION_MODULUS } from './queries/q2';

export type StatelessQuery = 'q0' | 'q1' | 'q2';

/** Each stateless query as a filter of events and a projection of the bids kept. */
const logic: Record<StatelessQuery, { keep(e: NexmarkEvent): e is Bid; project(b: Bid): object }> = {
  q0: { keep: isBid, project: (b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }) },
  q1: { keep: isBid, project: (b) => ({ auction: b.auction, bidder: b.bidder, price: DOLLAR_TO_EURO * b.price, dateTime: b.dateTime, extra: b.extra }) },
  q2: { keep: (e): e is Bid => e.kind === 'bid' && e.auction % AUCTION_MODULUS === 0, project: (b) => ({ auction: b.auction, price: b.price }) },
};

export function runWithRxjs(query: StatelessQuery, events: number, config: Partial<NexmarkConfig>): Promise<number> {
  const generator = new NexmarkGenerator(config);
  const { keep, project } = logic[query];
  let count = 0;
  return new Promise((resolve, reject) => {
    range(0, events)
      .pipe(
        map((n) => generator.event(n)),
        filter(keep),
        map(project),
      )
      .subscribe({ next: () => void count++, error: reject, complete: () => resolve(count) });
  });
}

export async function runWithNodeStreams(query: StatelessQuery, events: number, config: Partial<NexmarkConfig>): Promise<number> {
  const generator = new NexmarkGenerator(config);
  const { keep, project } = logic[query];
  let count = 0;
  function* numbers() {
    for (let n = 0; n < events; n++) yield generator.event(n);
  }
  await pipeline(
    Readable.from(numbers()),
    new Transform({
      objectMode: true,
      transform(e: NexmarkEvent, _enc, done) {
        if (keep(e)) done(null, project(e));
        else done();
      },
    }),
    new Writable({
      objectMode: true,
      write(_r, _enc, done) {
        count++;
        done();
      },
    }),
  );
  return count;
}
