import { expect } from 'chai';
import { Collector, KeyedProcessContext, KeyedProcessFunction, RuntimeContext, Serializers, StreamEnvironment, ValueState, ValueStateDescriptor } from '../../src';
import { MetricNames } from '../../src/metrics/metricNames';
import { renderPrometheus } from '../../src/metrics/prometheus';
import { CountingSink } from '../../samples/stall/stallJob';
import { redisUrl, dropPrefix, uniquePrefix } from '../support/redisService';
import { StreamEnvironmentOptions } from '../../src/api/EnvironmentConfig';

const quiet = { logging: { level: 'silent' as const } };

class Count extends KeyedProcessFunction<string, string, number> {
  private count!: ValueState<number>;
  open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor('count', Serializers.number, 0));
  }
  processElement(_word: string, _ctx: KeyedProcessContext<string>, out: Collector<number>): void {
    this.count.update(this.count.value()! + 1);
    out.collect(this.count.value()!);
  }
}

/** Key k<i> (i in 0..9) comes 10 × (i + 1) times: counts 10, 20, ..., 100. */
const words = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 * (i + 1) }, () => `k${i}`)).flat();
/** Its state as a snapshot holds it: keys 'k0'..'k9' (2 bytes each), counts '10'..'90' (2 bytes) and '100' (3). */
const STATE_BYTES = 10 * 2 + 9 * 2 + 3;

async function finishedMetrics(options: StreamEnvironmentOptions, checkpoints: boolean) {
  const env = StreamEnvironment.create({ parallelism: 2, metrics: true, ...quiet, ...options });
  if (checkpoints) env.enableCheckpointing(3_600_000);
  env.fromCollection(words).keyBy((w) => w).process(new Count()).name('count').sinkTo(new CountingSink<number>());
  const job = env.execute('state size');
  await job;
  return job.metrics();
}

describe('metrics: the bytes of keyed state, where known', () => {
  it('with the memory backend, are the bytes of the keys and entries in the last checkpoint, summed here over the instances', async () => {
    const m = await finishedMetrics({}, true);
    const keyed = m.tasks.filter((t) => t.name.startsWith('count'));
    expect(keyed).to.have.length(2);
    expect(keyed.reduce((n, t) => n + t.stateBytes!, 0)).to.equal(STATE_BYTES);
    const text = await renderPrometheus('state size', m);
    for (const t of keyed) expect(text).to.include(`${MetricNames.stateSizeBytes}{job="state size",vertex="${t.name}",subtask="${t.subtask}"} ${t.stateBytes}`);
  });

  it('with the Redis backend and checkpoints that carry the state (full snapshots), are counted the same way', async function () {
    const url = await redisUrl(this);
    const prefix = uniquePrefix('state-size');
    try {
      const m = await finishedMetrics({ stateBackend: { type: 'redis', url, keyPrefix: prefix } }, true);
      const keyed = m.tasks.filter((t) => t.name.startsWith('count'));
      expect(keyed).to.have.length(2);
      expect(keyed.reduce((n, t) => n + t.stateBytes!, 0)).to.equal(STATE_BYTES);
    } finally {
      await dropPrefix(url, prefix);
    }
  });

  it('are unknown without a checkpoint, and with incremental Redis snapshots (the state stays in Redis)', async function () {
    const withoutCheckpoint = await finishedMetrics({}, false);
    expect(withoutCheckpoint.tasks.map((t) => t.stateBytes)).to.deep.equal(withoutCheckpoint.tasks.map(() => undefined));
    const url = await redisUrl(this);
    const prefix = uniquePrefix('state-size');
    try {
      const onRedis = await finishedMetrics({ stateBackend: { type: 'redis', url, keyPrefix: prefix }, checkpointStorage: `${url}/0?prefix=${prefix}` }, true);
      expect(onRedis.tasks.filter((t) => t.name.startsWith('count')).map((t) => [t.stateKeys! > 0, t.stateBytes])).to.deep.equal([
        [true, undefined],
        [true, undefined],
      ]);
    } finally {
      await dropPrefix(url, prefix);
    }
  });
});
