import { expect } from 'chai';
import { CollectSink, CountTrigger, DeadLetter, GlobalWindows, StreamEnvironment, Supervision, UserFunctionFailed, supervisionDeadLetters } from '../../src';
import { failureOf } from '../support/failureOf';

interface Reading {
  sensor: string;
  value: number;
  at: number;
}

const readings: Reading[] = [
  { sensor: 'a', value: 5, at: 1 },
  { sensor: 'b', value: 2, at: 2 },
  { sensor: 'a', value: 3, at: 3 },
  { sensor: 'a', value: 9, at: 4 },
  { sensor: 'b', value: 1, at: 5 },
];

function keyed() {
  return StreamEnvironment.create({ parallelism: 1 }).fromCollection(readings).keyBy((r) => r.sensor);
}

describe('api/KeyedStream', () => {
  it('reduce emits the running reduced value per key, one output per input', async () => {
    const out = await keyed()
      .reduce((acc, r) => ({ ...r, value: acc.value + r.value }))
      .executeAndCollect();
    expect(out.map((r) => [r.sensor, r.value])).to.deep.equal([
      ['a', 5],
      ['b', 2],
      ['a', 8],
      ['a', 17],
      ['b', 3],
    ]);
  });

  it('sum keeps the other fields of the key\'s first record, as Flink does', async () => {
    const out = await keyed().sum('value').executeAndCollect();
    expect(out).to.deep.equal([
      { sensor: 'a', value: 5, at: 1 },
      { sensor: 'b', value: 2, at: 2 },
      { sensor: 'a', value: 8, at: 1 },
      { sensor: 'a', value: 17, at: 1 },
      { sensor: 'b', value: 3, at: 2 },
    ]);
  });

  it('min and max emit the running extreme of the field per key', async () => {
    const mins = await keyed().min('value').executeAndCollect();
    expect(mins.map((r) => r.value)).to.deep.equal([5, 2, 3, 3, 1]);
    const maxs = await keyed().max('value').executeAndCollect();
    expect(maxs.map((r) => r.value)).to.deep.equal([5, 2, 5, 9, 2]);
  });

  it('sum of a stream of numbers sums the records themselves', async () => {
    const env = StreamEnvironment.create();
    const out = await env
      .fromCollection([1, 2, 3, 4])
      .keyBy((n) => n % 2)
      .sum()
      .executeAndCollect();
    expect(out).to.deep.equal([1, 2, 4, 6]);
  });
  describe('when the key selector returns null or undefined', () => {
    interface Visit {
      user?: string | null;
      n: number;
    }
    const visits: Visit[] = [{ user: 'u1', n: 1 }, { user: null, n: 2 }, { user: 'u2', n: 3 }, { n: 4 }, { user: 'u1', n: 5 }];
    // As data decoded from JSON often is: the type says there is a user, the record has none.
    const userOf = (v: Visit) => v.user as string;

    it('fails the record, naming the keyed operator', async () => {
      const env = StreamEnvironment.create({ parallelism: 2 });
      env.fromCollection(visits).keyBy(userOf).sum('n').name('Visits per user').print();
      const error = await failureOf(env.execute('null key'));
      expect(error).to.be.instanceOf(UserFunctionFailed);
      const failed = error as UserFunctionFailed;
      expect(failed.operator).to.equal('Visits per user');
      expect(failed.record).to.deep.equal({ user: null, n: 2 });
      expect((failed.cause as Error).message).to.match(/^the key selector returned null: every record of a keyed stream needs a key/);
    });

    it('sends records without a key to the dead letters under resume; the others are aggregated by key', async () => {
      const env = StreamEnvironment.create({ parallelism: 2 });
      const sums = env.fromCollection(visits).keyBy(userOf).sum('n').name('Visits per user').withSupervisionStrategy(Supervision.resume());
      const out = new CollectSink<Visit>();
      const letters = new CollectSink<DeadLetter>();
      sums.sinkTo(out);
      sums.getSideOutput(supervisionDeadLetters).sinkTo(letters);
      const result = await env.execute('null key resumed');
      expect(out.records().map((v) => [v.user, v.n]).sort()).to.deep.equal([
        ['u1', 1],
        ['u1', 6],
        ['u2', 3],
      ]);
      expect(letters.records().map((l) => [l.operator, l.record]).sort((a, b) => ((a[1] as Visit).n - (b[1] as Visit).n))).to.deep.equal([
        ['Visits per user', { user: null, n: 2 }],
        ['Visits per user', { n: 4 }],
      ]);
      expect(letters.records().map((l) => l.reason.split(':')[0]).sort()).to.deep.equal(['the key selector returned null', 'the key selector returned undefined']);
      expect(result.counters.operators['Visits per user']).to.deep.include({ deadLetters: 2 });
    });

    it('fails the record where it is produced when a sink follows keyBy (no keyed operator to fail it)', async () => {
      const env = StreamEnvironment.create({ parallelism: 2 });
      const out = new CollectSink<Visit>();
      env.fromCollection(visits).keyBy(userOf).sinkTo(out);
      const error = await failureOf(env.execute('null key into a sink'));
      expect(error).to.be.instanceOf(UserFunctionFailed);
      expect((error as UserFunctionFailed).operator).to.equal('Collection Source');
      expect(((error as UserFunctionFailed).cause as Error).message).to.match(/^the key selector returned null: every record of a keyed stream needs a key/);
    });

    it('sends a record without a key to the dead letters of the operator before keyBy under resume, when a sink follows keyBy', async () => {
      const env = StreamEnvironment.create({ parallelism: 2 });
      const out = new CollectSink<Visit>();
      const letters = new CollectSink<DeadLetter>();
      const visitsOut = env.fromCollection(visits).map((v) => v).name('Copy').withSupervisionStrategy(Supervision.resume());
      visitsOut.keyBy(userOf).sinkTo(out);
      visitsOut.getSideOutput(supervisionDeadLetters).sinkTo(letters);
      await env.execute('null key into a sink, resumed');
      expect(out.records().map((v) => v.n).sort()).to.deep.equal([1, 3, 5]);
      expect(letters.records().map((l) => [l.operator, (l.record as Visit).n]).sort()).to.deep.equal([
        ['Copy', 2],
        ['Copy', 4],
      ]);
    });

    it('fails the record in a map on the keyed stream and in a window too, each under its own name', async () => {
      for (const build of [
        (env: StreamEnvironment) => env.fromCollection(visits).keyBy(userOf).map((v) => v.n).name('Scoped map'),
        (env: StreamEnvironment) =>
          env
            .fromCollection(visits)
            .keyBy(userOf)
            .window(GlobalWindows.create())
            .trigger(CountTrigger.of(2))
            .reduce((a, b) => ({ ...a, n: a.n + b.n }))
            .name('Pairs'),
      ]) {
        const env = StreamEnvironment.create();
        build(env).print();
        const error = await failureOf(env.execute('null key elsewhere'));
        expect(error, 'the job fails').to.be.instanceOf(UserFunctionFailed);
        expect((error as UserFunctionFailed).operator).to.be.oneOf(['Scoped map', 'Pairs']);
        expect(((error as UserFunctionFailed).cause as Error).message).to.match(/^the key selector returned null/);
      }
    });
  });
});
