import { expect } from 'chai';
import { ChangelogRow, CollectSink, DataStream, StreamEnvironment, TableEnvironment } from '../../src';
import { NexmarkConfig } from '../../samples/nexmark/generator';
import { NexmarkEvent } from '../../samples/nexmark/model';
import { nexmarkEvents } from '../../samples/nexmark/NexmarkSource';
import { queries } from '../../samples/nexmark/queries';
import { NEXMARK_SQL, registerNexmarkTables } from '../../samples/nexmark/sql';
import { foldChangelog } from '../support/changelog';

/** 20,000 events over 40 s of event time, as the DataStream queries' spec uses. */
const EVENTS = 20_000;
const CONFIG: Partial<NexmarkConfig> = { seed: 7, eventsPerSecond: 500 };

async function runDataStream<T>(query: (events: DataStream<NexmarkEvent>) => DataStream<T>): Promise<T[]> {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 256 });
  const sink = new CollectSink<T>();
  query(nexmarkEvents(env, { ...CONFIG, events: EVENTS })).sinkTo(sink);
  await env.execute('nexmark datastream');
  return sink.records();
}

/** The SQL query's changelog folded into its final rows, at parallelism 2 with exactly-once checkpoints. */
async function runSql(sql: string): Promise<Record<string, unknown>[]> {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 256 });
  env.enableCheckpointing(20, 'exactly-once');
  const tEnv = TableEnvironment.create(env);
  registerNexmarkTables(tEnv, nexmarkEvents(env, { ...CONFIG, events: EVENTS }));
  const sink = new CollectSink<ChangelogRow>();
  tEnv.sqlQuery(sql).toChangelogStream().sinkTo(sink);
  await env.execute('nexmark sql');
  return foldChangelog(sink.records());
}

const sorted = (records: readonly unknown[]) => records.map((r) => JSON.stringify(r)).sort();

describe('sql: the Nexmark queries in SQL give what their DataStream versions give', function () {
  this.timeout(120_000);

  for (const id of ['q0', 'q1', 'q2', 'q3', 'q7', 'q8'] as const) {
    it(`${id}`, async () => {
      const expected = sorted(await runDataStream(queries[id].query as (e: DataStream<NexmarkEvent>) => DataStream<unknown>));
      expect(expected.length, 'the input is big enough to give results').to.be.greaterThan(0);
      expect(sorted(await runSql(NEXMARK_SQL[id]))).to.deep.equal(expected);
    });
  }

  it('q4: the final average per category equals the last update of the DataStream version', async () => {
    const updates = await runDataStream(queries.q4.query);
    const last = new Map(updates.map((u) => [u.category, u.average]));
    const expected = [...last.entries()].sort(([a], [b]) => a - b).map(([category, average]) => ({ category, average }));
    expect(expected.length).to.be.greaterThan(0);
    expect((await runSql(NEXMARK_SQL.q4)).sort((a, b) => (a.category as number) - (b.category as number))).to.deep.equal(expected);
  });
});
