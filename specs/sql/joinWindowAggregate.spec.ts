import { expect } from 'chai';
import fc from 'fast-check';
import * as path from 'path';
import { CollectSink, StreamEnvironment } from '../../src';
import { ChangelogRow, TableEnvironment } from '../../src/sql';
import { GeneratorSource } from '../../src/connectors/GeneratorSource';
import { HeldSource } from '../support/heldSource';
import { RuntimeContext } from '../../src/api/RuntimeContext';
import { Change } from '../../src/sql/Change';
import { JoinWindowAggregateFunction } from '../../src/sql/runtime/JoinWindowAggregateFunction';
import { TumblingEventTimeWindows } from '../../src/windowing/WindowAssigner';
import { sortRows } from '../support/changelog';
import { expectFormerOperatorsRefused, expectRestoredExactly } from '../support/heldSqlJob';

/**
 * Nexmark q6's shape (a window aggregation over an interval join, grouped by the join key) runs
 * as one operator that adds each joined row to its window where it is made (src/sql/
 * joinWindowAggregate.ts). Its results are checked against the join, Calc and window operator
 * the same query runs on when the key column is written `A.id + 0` (not a bare column, so not
 * recognized).
 */
interface Auction {
  id: number;
  seller: number;
  dt: number;
  expires: number;
}
interface Bid {
  auction: number;
  price: number | null;
  ts: number;
}

const START = Date.UTC(2024, 0, 1);
const AUCTIONS = "id INT, seller INT, dt TIMESTAMP(3), expires TIMESTAMP(3), WATERMARK FOR expires AS expires - INTERVAL '2' SECOND";
const BIDS = "auction INT, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND";

const WINDOWS = {
  /** q6's: one window per expiry. */
  tumble1: "TUMBLE(TABLE J, DESCRIPTOR(expires), INTERVAL '1' MILLISECOND)",
  /** Windows holding several auctions' expiries. */
  tumble: "TUMBLE(TABLE J, DESCRIPTOR(expires), INTERVAL '1500' MILLISECOND)",
  hop: "HOP(TABLE J, DESCRIPTOR(expires), INTERVAL '500' MILLISECOND, INTERVAL '1500' MILLISECOND)",
} as const;

/** q6's inner query, with the join key's column written as `id` and the windows as `windows`; `where` filters the joined rows. */
const query = (id: string, windows: string, where = '') => `SELECT id, seller, MAX(price) AS final, COUNT(*) AS n, SUM(price) AS total, window_start, window_end
  FROM TABLE(${windows.replace('TABLE J', `TABLE (SELECT ${id} AS id, A.seller, A.expires, B.price
      FROM a AS A JOIN b AS B ON A.id = B.auction AND B.ts BETWEEN A.expires - INTERVAL '2' SECOND AND A.expires AND B.ts >= A.dt ${where})`)})
  GROUP BY id, seller, window_start, window_end`;

/** Auctions by expiry, each up to 1.5 s out of order (the watermark waits 2 s), few ids so that one id has several auctions. */
const auctions: fc.Arbitrary<Auction[]> = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 500 }), jitter: fc.integer({ min: 0, max: 1500 }), id: fc.integer({ min: 0, max: 2 }), seller: fc.integer({ min: 1, max: 2 }), length: fc.integer({ min: 0, max: 2500 }) }), { maxLength: 25 })
  .map((steps) => {
    let base = START + 2000;
    return steps.map(({ gap, jitter, id, seller, length }) => {
      base += gap;
      return { id, seller, dt: base + jitter - length, expires: base + jitter };
    });
  });

/** Bids in time order, each up to 900 ms later (the watermark waits 1 s); some on an expiry's millisecond. */
const bids: fc.Arbitrary<Bid[]> = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 300 }), jitter: fc.integer({ min: 0, max: 900 }), auction: fc.integer({ min: 0, max: 2 }), price: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(null)) }), { maxLength: 60 })
  .map((steps) => {
    let base = START + 1000;
    return steps.map(({ gap, jitter, auction, price }) => {
      base += gap;
      return { auction, price, ts: base + jitter };
    });
  });

async function run(sql: string, a: readonly Auction[], b: readonly Bid[], parallelism: number): Promise<{ rows: unknown[]; operators: string[] }> {
  const env = StreamEnvironment.create({ parallelism, batchSize: 2 });
  const tEnv = TableEnvironment.create(env);
  tEnv.createTemporaryView('a', tEnv.fromDataStream(env.fromCollection([...a]).setParallelism(1), AUCTIONS));
  tEnv.createTemporaryView('b', tEnv.fromDataStream(env.fromCollection([...b]).setParallelism(1), BIDS));
  const sink = new CollectSink<unknown>();
  tEnv.sqlQuery(sql).toDataStream().sinkTo(sink);
  const operators = env.plan().tasks.flatMap((t) => t.chain.map((n) => n.name));
  await env.execute('join window aggregate');
  return { rows: sortRows(sink.records()), operators };
}

/** A savepoint of heldJob's query by the build before it ran as one operator: fixtures/formerJoinWindowSavepoint.js made it with main at 08c4fee. */
const FORMER = path.join(__dirname, '../../../specs/sql/fixtures/formerJoinWindowSavepoint');

const auction = (i: number): Auction => ({ id: i % 4, seller: 1 + (i % 2), dt: START + i * 400 - 1500, expires: START + i * 400 + 2000 });
const bid = (i: number): Bid => ({ auction: i % 4, price: [3, 1, 4, 1, 5, 9, 2, 6][i % 8], ts: START + i * 150 });

/** The query (1 ms windows) over 20 auctions and 60 bids, the sources holding after their first halves unless restored from a savepoint. */
function heldJob(restoreFrom: string | undefined, allowNonRestoredState = false) {
  const env = StreamEnvironment.create({ parallelism: 1, restoreFrom, allowNonRestoredState });
  env.enableCheckpointing(3_600_000, 'exactly-once');
  const tEnv = TableEnvironment.create(env);
  const held = <T>(source: GeneratorSource<T>, half: number) => (restoreFrom === undefined ? new HeldSource(source, half) : source);
  tEnv.createTemporaryView('a', tEnv.fromDataStream(env.fromSource(held(new GeneratorSource(20, auction), 10)), AUCTIONS));
  tEnv.createTemporaryView('b', tEnv.fromDataStream(env.fromSource(held(new GeneratorSource(60, bid), 30)), BIDS));
  const sink = new CollectSink<ChangelogRow>();
  tEnv.sqlQuery(query('A.id', WINDOWS.tumble1)).toChangelogStream().sinkTo(sink);
  return { job: env.execute('join window aggregate'), sink };
}

describe('sql/joinWindowAggregate: a window aggregation over an interval join, grouped by the join key', function () {
  this.timeout(120_000);

  it("runs q6's shape as one operator, and the same query with an expression for the key as the join and the window operator", async () => {
    const input = [[auction(0)], [bid(0)]] as const;
    const fused = await run(query('A.id', WINDOWS.tumble1), ...input, 1);
    expect(fused.operators).to.include('Join INNER and WindowAggregate TUMBLE');
    expect(fused.operators.filter((n) => n.startsWith('WindowAggregate') || n === 'Join INNER')).to.deep.equal([]);
    const joined = await run(query('A.id + 0', WINDOWS.tumble1), ...input, 1);
    expect(joined.operators).to.include.members(['Join INNER', 'WindowAggregate TUMBLE']);
  });

  it('gives what the join and the window operator give, for any inputs not behind their watermarks, with windows of one expiry, several, or sliding', async () => {
    let matched = 0;
    await fc.assert(
      fc.asyncProperty(auctions, bids, fc.constantFrom(WINDOWS.tumble1, WINDOWS.tumble, WINDOWS.hop), fc.constantFrom('', 'AND B.price <> 4'), async (a, b, windows, where) => {
        const expected = await run(query('A.id + 0', windows, where), a, b, 1);
        const got = await run(query('A.id', windows, where), a, b, 1);
        expect(got.operators).to.include(`Join INNER and WindowAggregate ${windows.startsWith('HOP') ? 'HOP' : 'TUMBLE'}`);
        expect(got.rows).to.deep.equal(expected.rows);
        matched += expected.rows.length;
      }),
      { numRuns: 60 },
    );
    expect(matched, 'the runs aggregated joined rows').to.be.above(50);
  });

  it("drops a joined row whose window closed, as the window operator does: a bid on its auction's expiry when the watermark is there", () => {
    // Auction [id, expires], bid [auction, ts]; joined when ts in [expires - 2000, expires].
    const maps = new Map<string, Map<unknown, unknown>>();
    const values = new Map<string, unknown>();
    const ctxOf = (watermark: number, timers: number[]) =>
      ({ timerService: () => ({ currentWatermark: () => watermark, registerEventTimeTimer: (t: number) => void timers.push(t) }) }) as never;
    const fn = new JoinWindowAggregateFunction(
      [[false, false], [2, 2], undefined, undefined, { left: (r) => r[1] as number, right: (r) => (r[1] as number) + 2000, rowTime: { left: (r) => r[1] as number, right: (r) => r[1] as number }, cleanupEveryMs: 1000 }, [true, true]],
      {
        project: (r) => [r[0], r[1], r[3]],
        filter: undefined,
        timeField: 1,
        assigner: TumblingEventTimeWindows.of(1),
        keyValues: (r) => [r[0]],
        groupKey: (r) => r[0] as number,
        accumulations: [{ create: () => 0, add: (n: number) => n + 1, retract: (n: number) => n - 1, merge: (x: number, y: number) => x + y, result: (n: number) => n }],
      },
    );
    fn.open({
      getMapState: (d: { name: string }) => {
        const m = maps.get(d.name) ?? new Map();
        maps.set(d.name, m);
        return { get: (k: unknown) => m.get(k), put: (k: unknown, v: unknown) => void m.set(k, v), remove: (k: unknown) => void m.delete(k), entries: () => [...m.entries()], isEmpty: () => m.size === 0, clear: () => m.clear() };
      },
      getState: (d: { name: string }) => ({ value: () => values.get(d.name), update: (v: unknown) => void values.set(d.name, v), clear: () => void values.delete(d.name) }),
    } as unknown as RuntimeContext);
    const timers: number[] = [];
    const out: Change[] = [];
    const send = (side: 0 | 1, row: unknown[], watermark: number) => fn.processElement({ side, change: { kind: '+I', row } }, ctxOf(watermark, timers), { collect: () => expect.fail('nothing is emitted before its window closes') });
    send(0, [1, 3000], 0);
    send(1, [1, 2000], 1000); // joined: its window [3000, 3001) opens, its timer at 3000
    send(1, [1, 3000], 3000); // on time for the join (not behind 3000), late for the window (its last millisecond is 3000)
    expect(timers).to.include(3000);
    fn.onTimer(3000, ctxOf(3000, timers) as never, { collect: (c: Change) => void out.push(c) });
    expect(out).to.deep.equal([{ kind: '+I', row: [1, 3000, 3001, 3000, 1] }]);
  });

  it('restores its windows exactly from a savepoint: the rows joined before are aggregated with those joined after', async () => {
    const reference = await run(
      query('A.id + 0', WINDOWS.tumble1),
      Array.from({ length: 20 }, (_, i) => auction(i)),
      Array.from({ length: 60 }, (_, i) => bid(i)),
      1,
    );
    await expectRestoredExactly(heldJob, 'Join INNER and WindowAggregate TUMBLE', 40, reference.rows);
  });

  it("refuses a savepoint of the former plan (the interval join's and the window aggregation's state), naming them and what to do", async () => {
    await expectFormerOperatorsRefused(heldJob(FORMER), ['Join INNER#1', 'WindowAggregate TUMBLE#1']);
  });

  it('with allowNonRestoredState, drops the former state: the join and its windows after the savepoint start empty', async () => {
    const { job, sink } = heldJob(FORMER, true);
    expect((await job).status).to.equal('finished');
    expect(sink.records().length).to.be.above(0);
  });
});
