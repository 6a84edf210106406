import { expect } from 'chai';
import { StreamEnvironment } from '../../src';
import { RecordingSink } from '../support/RecordingSink';

describe('api/DataStream', () => {
  it('map, filter and flatMap transform records in order at parallelism 1', async () => {
    const env = StreamEnvironment.create();
    const out = await env
      .fromCollection([1, 2, 3, 4, 5])
      .map((n) => n * 10)
      .filter((n) => n !== 30)
      .flatMap((n: number, o) => {
        o.collect(n);
        o.collect(-n);
      })
      .executeAndCollect();
    expect(out).to.deep.equal([10, -10, 20, -20, 40, -40, 50, -50]);
  });

  it('accepts rich functions with open and close', async () => {
    const calls: string[] = [];
    const env = StreamEnvironment.create();
    const out = await env
      .fromCollection(['a', 'b'])
      .map({
        prefix: '',
        open(ctx) {
          this.prefix = `${ctx.operatorName}#${ctx.indexOfThisSubtask}:`;
          calls.push('open');
        },
        map(s: string) {
          return this.prefix + s;
        },
        close() {
          calls.push('close');
        },
      } as { prefix: string; open(ctx: { operatorName: string; indexOfThisSubtask: number }): void; map(s: string): string; close(): void })
      .name('tag')
      .executeAndCollect();
    expect(out).to.deep.equal(['tag#0:a', 'tag#0:b']);
    expect(calls).to.deep.equal(['open', 'close']);
  });

  it('filter with a type guard narrows the stream type', async () => {
    const env = StreamEnvironment.create();
    const isString = (x: string | number): x is string => typeof x === 'string';
    const strings = await env.fromCollection<string | number>(['a', 1, 'b']).filter(isString).map((s) => s.toUpperCase()).executeAndCollect();
    expect(strings).to.deep.equal(['A', 'B']);
  });

  it('union merges streams; every record arrives once', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const a = env.fromCollection([1, 2, 3]);
    const b = env.fromGenerator(3, (i) => 10 + i);
    const c = env.fromCollection([100]).map((n) => n + 1);
    const out = await a.union(b, c).map((n) => n).executeAndCollect();
    expect(out.sort((x, y) => x - y)).to.deep.equal([1, 2, 3, 10, 11, 12, 101]);
  });

  it('broadcast delivers every record to every instance, in order', async () => {
    const env = StreamEnvironment.create({ parallelism: 3 });
    const sink = new RecordingSink<number>();
    env.fromCollection([1, 2, 3, 4]).broadcast().sinkTo(sink);
    await env.execute('broadcast');
    expect([...sink.byInstance.keys()].sort()).to.deep.equal([0, 1, 2]);
    for (const records of sink.byInstance.values()) expect(records).to.deep.equal([1, 2, 3, 4]);
  });

  it('rebalance spreads records round-robin over instances', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const sink = new RecordingSink<number>();
    env.fromCollection([0, 1, 2, 3, 4, 5]).rebalance().sinkTo(sink);
    await env.execute('rebalance');
    expect(sink.byInstance.get(0)).to.deep.equal([0, 2, 4]);
    expect(sink.byInstance.get(1)).to.deep.equal([1, 3, 5]);
  });

  it('keyBy sends all records of a key to one instance', async () => {
    const env = StreamEnvironment.create({ parallelism: 4 });
    const sink = new RecordingSink<{ k: string; i: number }>();
    env
      .fromGenerator(200, (i) => ({ k: `key-${i % 17}`, i }))
      .keyBy((r) => r.k)
      .map((r) => r)
      .sinkTo(sink);
    await env.execute('keyBy');
    const owner = new Map<string, number>();
    for (const [instance, records] of sink.byInstance) {
      for (const r of records) {
        expect(owner.get(r.k) ?? instance, `key ${r.k}`).to.equal(instance);
        owner.set(r.k, instance);
      }
    }
    expect(owner.size).to.equal(17);
    expect(sink.all()).to.have.length(200);
  });

  it('setParallelism on an operator overrides the environment default', async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const sink = new RecordingSink<number>();
    env.fromGenerator(9, (i) => i).map((n) => n).setParallelism(3).sinkTo(sink).setParallelism(3);
    const plan = env.plan('p');
    expect(plan.tasks.filter((t) => t.name.includes('Map'))).to.have.length(3);
    await env.execute('p');
    expect(sink.byInstance.size).to.equal(3);
    expect(sink.all().sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('reports records in and out per operator in the job counters', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    env.fromGenerator(1000, (i) => i).filter((n) => n % 4 === 0).name('quarter').sinkTo(new RecordingSink<number>());
    const result = await env.execute('counters');
    expect(result.status).to.equal('finished');
    expect(result.counters.operators['Generator Source']).to.deep.equal({ recordsIn: 0, recordsOut: 1000 });
    expect(result.counters.operators['quarter']).to.deep.equal({ recordsIn: 1000, recordsOut: 250 });
    expect(result.counters.operators['Recording Sink']).to.deep.equal({ recordsIn: 250, recordsOut: 0 });
  });
});
