import { expect } from 'chai';
import { CollectSink, DataStream, StreamEnvironment } from '../../../src';
import { NexmarkGenerator, NexmarkConfig } from '../../../samples/nexmark/generator';
import { NexmarkEvent } from '../../../samples/nexmark/model';
import { nexmarkEvents } from '../../../samples/nexmark/NexmarkSource';
import { queries } from '../../../samples/nexmark/queries';
import * as reference from '../../../samples/nexmark/reference';

/** 20,000 events over 40 s of event time: a few tumbling windows, twenty sliding ones. */
const EVENTS = 20_000;
const CONFIG: Partial<NexmarkConfig> = { seed: 7, eventsPerSecond: 500 };
const input = (): NexmarkEvent[] => {
  const g = new NexmarkGenerator(CONFIG);
  return Array.from({ length: EVENTS }, (_, n) => g.event(n));
};

/** The query's output at parallelism 2 with exactly-once checkpoints every 20 ms. */
async function run<T>(query: (events: DataStream<NexmarkEvent>) => DataStream<T>): Promise<T[]> {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 256 });
  env.enableCheckpointing(20, 'exactly-once');
  const sink = new CollectSink<T>();
  query(nexmarkEvents(env, { ...CONFIG, events: EVENTS })).sinkTo(sink);
  await env.execute('nexmark spec');
  return sink.records();
}

const sorted = <T>(records: readonly T[]) => records.map((r) => JSON.stringify(r)).sort();

describe('samples/nexmark: each query against its result computed directly from the events', function () {
  this.timeout(120_000);
  const events = input();

  for (const id of ['q0', 'q1', 'q2', 'q3', 'q5', 'q6', 'q7', 'q8'] as const) {
    it(`${id} gives exactly the directly computed records`, async () => {
      const expected = sorted((reference[`${id}Reference`] as (e: readonly NexmarkEvent[]) => unknown[])(events));
      expect(expected.length, 'the input is big enough to give results').to.be.greaterThan(0);
      expect(sorted(await run(queries[id].query as (e: DataStream<NexmarkEvent>) => DataStream<unknown>))).to.deep.equal(expected);
    });
  }

  it('q4 ends with the directly computed average winning bid per category', async () => {
    const updates = await run(queries.q4.query);
    const last = new Map(updates.map((u) => [u.category, u.average]));
    const expected = reference.q4Reference(events);
    expect(expected.length).to.equal(5);
    expect([...last.entries()].sort(([a], [b]) => a - b).map(([category, average]) => ({ category, average }))).to.deep.equal(expected);
  });
});
