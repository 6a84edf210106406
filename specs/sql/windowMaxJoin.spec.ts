import { expect } from 'chai';
import fc from 'fast-check';
import * as path from 'path';
import { CollectSink, StreamEnvironment } from '../../src';
import { ChangelogRow, TableEnvironment } from '../../src/sql';
import { GeneratorSource } from '../../src/connectors/GeneratorSource';
import { HeldSource } from '../support/heldSource';
import { sortRows } from '../support/changelog';
import { expectFormerOperatorsRefused, expectRestoredExactly } from '../support/heldSqlJob';

/**
 * Nexmark q7's shape (a table joined with the maxima of its own tumbling windows on the
 * maximum's column) runs as one operator over windows that keeps only the rows not below a
 * window's running maximum (src/sql/windowMaxJoin.ts). Its results are checked against the
 * interval join and window aggregation the same query runs on when its maximum is written
 * `MAX(price) + 0` (not a bare column, so not recognized): equal for every input whose rows
 * are not behind the watermark.
 */
interface Bid {
  auction: number;
  bidder: number;
  price: number | null;
  ts: number;
}

/** A savepoint of heldJob's query by the build before it ran as one operator: fixtures/formerWindowMaxSavepoint.js made it with main at 61922a6. */
const FORMER = path.join(__dirname, '../../../specs/sql/fixtures/formerWindowMaxSavepoint');

const START = Date.UTC(2024, 0, 1);
const SCHEMA = "auction INT, bidder INT, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND";
const WINDOW = "TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '2' SECOND)";

/** q7's text over `bid` (2 s windows), with the maximum written as `max` and the times joined by `bounds`. */
const query = (max: string, bounds: string) => `SELECT B.auction, B.price, B.bidder, B.ts
  FROM bid AS B
  JOIN (SELECT ${max} AS maxprice, window_time AS ts FROM TABLE(${WINDOW}) GROUP BY window_start, window_end, window_time) AS B1
  ON B.price = B1.maxprice AND ${bounds}`;

const BOUNDS = {
  /** q7's: the bids of the window. */
  window: "B.ts > B1.ts - INTERVAL '2' SECOND AND B.ts <= B1.ts",
  /** Reaching into the window before and the one after, with a condition on another column. */
  wider: "B.ts BETWEEN B1.ts - INTERVAL '3' SECOND AND B1.ts + INTERVAL '1' SECOND AND B.bidder <> 2",
} as const;

/**
 * Bids in time order, each moved up to 900 ms later: out of order, but none behind the
 * watermark (1 s). Few prices (and NULLs), so windows have ties on their maximum; gaps up to
 * 2.5 s, so some windows have no bids; some bids on a window's last millisecond.
 */
const bids: fc.Arbitrary<Bid[]> = fc
  .array(
    fc.record({
      gap: fc.oneof(fc.integer({ min: 0, max: 2500 }), fc.constant(0)),
      edge: fc.boolean(),
      jitter: fc.integer({ min: 0, max: 900 }),
      price: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(null)),
      bidder: fc.integer({ min: 1, max: 3 }),
    }),
    { maxLength: 60 },
  )
  .map((steps) => {
    let base = START;
    return steps.map(({ gap, edge, jitter, price, bidder }, i) => {
      base += gap;
      // On a window's last millisecond: the bounds of q7 reach it from the next window too.
      const ts = edge ? Math.floor(base / 2000) * 2000 + 1999 : base + jitter;
      if (edge) base = ts;
      return { auction: i, bidder, price, ts };
    });
  });

async function run(sql: string, input: readonly Bid[], parallelism: number): Promise<{ rows: unknown[]; operators: string[] }> {
  const env = StreamEnvironment.create({ parallelism, batchSize: 2 });
  const tEnv = TableEnvironment.create(env);
  tEnv.createTemporaryView('bid', tEnv.fromDataStream(env.fromCollection([...input]).setParallelism(1), SCHEMA));
  const sink = new CollectSink<unknown>();
  tEnv.sqlQuery(sql).toDataStream().sinkTo(sink);
  const operators = env.plan().tasks.flatMap((t) => t.chain.map((n) => n.name));
  await env.execute('window maxima');
  return { rows: sortRows(sink.records()), operators };
}

const bid = (i: number): Bid => ({ auction: i, bidder: 1 + (i % 3), price: [3, 1, 4, 1, 5, 9, 2, 6][i % 8], ts: START + i * 450 });

/** q7's shape over 40 bids (18 s), the sources holding after `held` of them unless restored from a savepoint. */
function heldJob(restoreFrom: string | undefined, held: number, allowNonRestoredState = false) {
  const env = StreamEnvironment.create({ parallelism: 1, restoreFrom, allowNonRestoredState });
  env.enableCheckpointing(3_600_000, 'exactly-once');
  const tEnv = TableEnvironment.create(env);
  const source = new GeneratorSource(40, bid);
  tEnv.createTemporaryView('bid', tEnv.fromDataStream(env.fromSource(restoreFrom === undefined ? new HeldSource(source, held) : source), SCHEMA));
  const sink = new CollectSink<ChangelogRow>();
  tEnv.sqlQuery(query('MAX(price)', BOUNDS.window)).toChangelogStream().sinkTo(sink);
  return { job: env.execute('window maxima'), sink };
}

describe('sql/windowMaxJoin: a table joined with the maxima of its own windows', function () {
  this.timeout(120_000);

  it("runs q7's shape as one operator over windows, and the same query with an expression for the maximum as an interval join", async () => {
    const input = [bid(0), bid(1)];
    const fused = await run(query('MAX(price)', BOUNDS.window), input, 1);
    expect(fused.operators).to.include('Join INNER of window maxima');
    expect(fused.operators.filter((n) => n.startsWith('WindowAggregate') || n === 'Join INNER')).to.deep.equal([]);
    const joined = await run(query('MAX(price) + 0', BOUNDS.window), input, 1);
    expect(joined.operators).to.include.members(['Join INNER', 'WindowAggregate TUMBLE']);
  });

  it('gives what the interval join gives, for any bids not behind the watermark, with bounds reaching one window or three', async () => {
    let matched = 0;
    await fc.assert(
      fc.asyncProperty(bids, fc.constantFrom(BOUNDS.window, BOUNDS.wider), fc.constantFrom(1, 2), async (input, bounds, parallelism) => {
        const expected = await run(query('MAX(price) + 0', bounds), input, parallelism);
        const got = await run(query('MAX(price)', bounds), input, parallelism);
        expect(got.operators).to.include('Join INNER of window maxima');
        expect(got.rows).to.deep.equal(expected.rows);
        matched += expected.rows.length;
      }),
      { numRuns: 60 },
    );
    expect(matched, 'the runs joined rows').to.be.above(100);
  });

  it("meets, with a row on time that comes after a window closed, that window's maximum, as the interval join keeps its right row", async () => {
    // The window [0, 2 s) closes when the bid at 3.1 s moves the watermark to 2.1 s; the bid at
    // 2.5 s comes after it, on time, and the wider bounds reach back to that window's row.
    const input: Bid[] = [
      { auction: 1, bidder: 1, price: 5, ts: START },
      { auction: 2, bidder: 1, price: 1, ts: START + 3100 },
      { auction: 3, bidder: 1, price: 5, ts: START + 2500 },
    ];
    const expected = await run(query('MAX(price) + 0', BOUNDS.wider), input, 1);
    const got = await run(query('MAX(price)', BOUNDS.wider), input, 1);
    expect(got.rows).to.deep.equal(expected.rows);
    // Bid 3 with the maximum of its own window and with that of the window before.
    expect(got.rows.filter((r) => (r as Bid).auction === 3)).to.have.length(2);
  });

  it('restores its windows exactly from a savepoint: the rows read before meet the maxima of the windows closed after', async () => {
    const reference = await run(query('MAX(price) + 0', BOUNDS.window), Array.from({ length: 40 }, (_, i) => bid(i)), 1);
    await expectRestoredExactly((restoreFrom) => heldJob(restoreFrom, restoreFrom === undefined ? 21 : 40), 'Window binding', 21, reference.rows);
  });

  it("refuses a savepoint of the former plan (the interval join's and the window aggregation's state), naming them and what to do", async () => {
    await expectFormerOperatorsRefused(heldJob(FORMER, 40), ['Join INNER#1', 'WindowAggregate TUMBLE#1']);
  });

  it('with allowNonRestoredState, drops the former state: the windows after the savepoint start empty', async () => {
    const { job, sink } = heldJob(FORMER, 40, true);
    expect((await job).status).to.equal('finished');
    expect(sink.records().length).to.be.above(0);
  });
});
