import { expect } from 'chai';
import {
  Collector,
  CollectSink,
  DeadLetter,
  KeyedProcessContext,
  KeyedProcessFunction,
  ProcessContext,
  ProcessFunction,
  StreamEnvironment,
  Supervision,
  UserFunctionFailed,
  supervisionDeadLetters,
} from '../../../src';
import { DataStream } from '../../../src/api/DataStream';
import { failureOf } from '../../support/failureOf';

// The functions below are what TypeScript refuses (specs/api/asyncFunctionsRefusedByTypes.spec.ts):
// these casts stand for JavaScript callers, or code typed `any`, which only the run time can stop.
type Untyped = (...args: any[]) => any;

class AsyncProcess extends ProcessFunction<number, number> {
  processElement(n: number, _ctx: ProcessContext, out: Collector<number>): any {
    return Promise.resolve().then(() => out.collect(n));
  }
}

class AsyncKeyedProcess extends KeyedProcessFunction<number, number, number> {
  processElement(n: number, _ctx: KeyedProcessContext<number>, out: Collector<number>): any {
    return Promise.resolve().then(() => out.collect(n));
  }
}

const cases: ReadonlyArray<{ kind: string; operator: string; build: (s: DataStream<number>) => DataStream<any> }> = [
  { kind: 'map', operator: 'Map', build: (s) => s.map((async (n: number) => n * 2) as Untyped) },
  { kind: 'filter', operator: 'Filter', build: (s) => s.filter((async () => false) as Untyped) },
  { kind: 'flatMap', operator: 'FlatMap', build: (s) => s.flatMap((async (n: number) => [n]) as Untyped) },
  { kind: 'flatMap', operator: 'FlatMap', build: (s) => s.flatMap((async (n: number, out: Collector<number>) => out.collect(n)) as Untyped) },
  { kind: 'process', operator: 'Process', build: (s) => s.process(new AsyncProcess()) },
  { kind: 'process', operator: 'Keyed Process', build: (s) => s.keyBy((n) => n).process(new AsyncKeyedProcess()) },
];

describe('api/operators/asyncResultRefused', () => {
  for (const { kind, operator, build } of cases) {
    it(`fails the record when a ${kind} function returns a Promise, naming operator '${operator}' and pointing at Async I/O`, async () => {
      const env = StreamEnvironment.create();
      const sink = new CollectSink<unknown>();
      build(env.fromCollection([1, 2])).sinkTo(sink);
      const error = (await failureOf(env.execute(`async ${kind}`))) as UserFunctionFailed;
      expect(error).to.be.instanceOf(UserFunctionFailed);
      expect(error.operator).to.equal(operator);
      expect(error.record).to.equal(1);
      expect((error.cause as Error).message).to.match(new RegExp(`^the ${kind} function returned a Promise: functions run synchronously`));
      expect((error.cause as Error).message).to.contain('Async I/O: AsyncDataStream.orderedWait(stream, fn, { timeoutMs })');
      expect(error.message).to.contain('docs/async-io.md');
      // Nothing was emitted in the Promise's place (a map used to emit it: print() wrote {}).
      expect(sink.records()).to.deep.equal([]);
    });
  }

  it('sends such records to the dead letters under resume, and the job goes on', async () => {
    const env = StreamEnvironment.create();
    const mapped = env
      .fromCollection([1, 2, 3])
      .map(((n: number) => (n === 2 ? Promise.resolve(n) : n)) as Untyped)
      .name('Sometimes async')
      .withSupervisionStrategy(Supervision.resume());
    const out = new CollectSink<unknown>();
    const letters = new CollectSink<DeadLetter>();
    mapped.sinkTo(out);
    mapped.getSideOutput(supervisionDeadLetters).sinkTo(letters);
    await env.execute('async map resumed');
    expect(out.records()).to.deep.equal([1, 3]);
    expect(letters.records().map((l) => [l.operator, l.record])).to.deep.equal([['Sometimes async', 2]]);
    expect(letters.records()[0].reason).to.match(/^the map function returned a Promise/);
  });

  it('leaves no unhandled rejection behind when the refused Promise rejects', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const env = StreamEnvironment.create();
      env
        .fromCollection([1])
        .map((async () => {
          throw new Error('the service is down');
        }) as Untyped)
        .print();
      const error = (await failureOf(env.execute('async map rejects'))) as UserFunctionFailed;
      expect((error.cause as Error).message).to.match(/^the map function returned a Promise/);
      // Rejections are reported after a macrotask.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  it('lets synchronous functions and their non-Promise results through: objects, null, functions without then', async () => {
    const out = await StreamEnvironment.create()
      .fromCollection([1, 2])
      .map((n) => (n === 1 ? { then: 'not a function' } : null))
      .executeAndCollect();
    expect(out).to.deep.equal([{ then: 'not a function' }, null]);
  });
});
