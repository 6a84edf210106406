/**
 * What a Nexmark query's outputs add up to, so that its Flink twin's can be checked equal
 * (ChecksumSink.java and NexmarkTwin.java compute the same): the count of outputs and the sum
 * of a number per output made from its fields (ids, prices, times modulo 1,000,003, string
 * lengths). For q4, whose result is updated as bids come (how many updates depends on how the
 * auctions and bids interleave), only each category's last average counts. The sum is of
 * whole numbers below 2^53 except q1's euros and q4's averages, compared up to rounding.
 */
import { Sink } from '../../src';
import { Q0Result } from '../nexmark/queries/q0';
import { Q2Result } from '../nexmark/queries/q2';
import { Q3Result } from '../nexmark/queries/q3';
import { Q4Result } from '../nexmark/queries/q4';
import { Q5Result } from '../nexmark/queries/q5';
import { Q6Result } from '../nexmark/queries/q6';
import { Q8Result } from '../nexmark/queries/q8';
import { QueryId } from '../nexmark/queries';
import type { ChangelogRow } from '../../src/sql';

const MOD = 1_000_003;
const bid = (b: Q0Result) => b.auction + b.bidder + b.price + (b.dateTime % MOD) + b.extra.length;

/** The number each query's output adds to the checksum (the lambdas of NexmarkTwin.query). */
const MEASURES: { readonly [K in QueryId]: (record: never) => number } = {
  q0: bid,
  q1: bid,
  q2: (r: Q2Result) => r.auction + r.price,
  q3: (r: Q3Result) => r.id + r.name.length + r.city.length + r.state.charCodeAt(0),
  q4: (r: Q4Result) => r.category + r.average,
  q5: (r: Q5Result) => r.auction + r.num + (r.start % MOD) + (r.end % MOD),
  q6: (r: Q6Result) => r.auction + r.seller + r.average + (r.expires % MOD),
  q7: bid,
  q8: (r: Q8Result) => r.id + r.name.length + (r.starttime % MOD),
};

/** A SQL timestamp as epoch milliseconds. */
const millis = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));

/** A SQL version's output row as its DataStream version's record (the SQL twins in SqlQueries.java), for the queries that have one. */
const FROM_SQL: Partial<Record<QueryId, (row: Record<string, unknown>) => unknown>> = {
  q0: (r) => ({ ...r, price: Number(r.price), dateTime: millis(r.dateTime) }),
  q1: (r) => ({ ...r, price: Number(r.price), dateTime: millis(r.dateTime) }),
  q2: (r) => ({ auction: Number(r.auction), price: Number(r.price) }),
  q5: (r) => ({ auction: Number(r.auction), num: Number(r.num), start: millis(r.starttime), end: millis(r.endtime) }),
};

export const hasSqlTwin = (id: QueryId) => FROM_SQL[id] !== undefined;

/** A sink that tallies query `id`'s outputs (its SQL version's changelog rows with `sql`). Parallelism 1: one writer. */
export class NexmarkTally implements Sink<unknown> {
  readonly name = 'Nexmark Tally';
  private outputs = 0;
  private sum = 0;
  /** q4: each category's last measure. */
  private readonly last = new Map<number, number>();

  constructor(
    private readonly id: QueryId,
    private readonly sql = false,
  ) {
    if (sql && !hasSqlTwin(id)) throw new Error(`${id} has no SQL twin; those that have: ${Object.keys(FROM_SQL).join(', ')}`);
  }

  createWriter() {
    const measure = MEASURES[this.id] as (record: unknown) => number;
    const fromSql = FROM_SQL[this.id];
    const lastPerCategory = this.id === 'q4';
    return {
      write: (records: readonly unknown[]) => {
        for (const output of records) {
          let record = output;
          if (this.sql) {
            const change = output as ChangelogRow;
            if (change.kind !== '+I') throw new Error(`${this.id} in SQL: a ${change.kind} row; the SQL twins are append-only`);
            record = fromSql!(change.row);
          }
          if (lastPerCategory) this.last.set((record as Q4Result).category, measure(record));
          else {
            this.outputs++;
            this.sum += measure(record);
          }
        }
      },
    };
  }

  get count(): number {
    return this.outputs + this.last.size;
  }

  get checksum(): number {
    let sum = this.sum;
    for (const v of this.last.values()) sum += v;
    return sum;
  }
}
