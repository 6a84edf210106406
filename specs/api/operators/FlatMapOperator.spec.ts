import { expect } from 'chai';
import { Collector, StreamEnvironment, UserFunctionFailed } from '../../../src';
import { failureOf } from '../../support/failureOf';

const lines = ['to be or', 'not to be'];

describe('api/operators/FlatMapOperator', () => {
  describe('with a function that returns an iterable', () => {
    it('emits the items of a returned array, as Array.prototype.flatMap does', async () => {
      const words = await StreamEnvironment.create()
        .fromCollection(lines)
        .flatMap((line) => line.split(' '))
        .executeAndCollect();
      expect(words).to.deep.equal(['to', 'be', 'or', 'not', 'to', 'be']);
    });

    it('emits what a generator yields, and nothing for an empty iterable', async () => {
      const out = await StreamEnvironment.create()
        .fromCollection([3, 0, 2])
        .flatMap(function* (n) {
          for (let i = 0; i < n; i++) yield `${n}.${i}`;
        })
        .executeAndCollect();
      expect(out).to.deep.equal(['3.0', '3.1', '3.2', '2.0', '2.1']);
    });

    it('emits the items of any iterable: a Set, a Map entry list, the items of a rich function', async () => {
      const env = StreamEnvironment.create();
      const fromSet = await env.fromCollection(['a,b,a']).flatMap((s) => new Set(s.split(','))).executeAndCollect();
      expect(fromSet).to.deep.equal(['a', 'b']);
      const rich = await StreamEnvironment.create()
        .fromCollection([2])
        .flatMap({
          flatMap(n: number) {
            return new Map([[n, n * n]]).entries();
          },
        })
        .executeAndCollect();
      expect(rich).to.deep.equal([[2, 4]]);
    });

    it('infers the stream type from the items (words are strings)', async () => {
      const lengths = await StreamEnvironment.create()
        .fromCollection(lines)
        .flatMap((line) => line.split(' '))
        .map((word) => word.length) // word: string
        .executeAndCollect();
      expect(lengths).to.deep.equal([2, 2, 2, 3, 2, 2]);
    });
  });

  describe('with a function that emits through the collector', () => {
    it('emits what it collects, as before', async () => {
      const out = await StreamEnvironment.create()
        .fromCollection(lines)
        .flatMap((line: string, out: Collector<string>) => {
          for (const word of line.split(' ')) out.collect(word.toUpperCase());
        })
        .executeAndCollect();
      expect(out).to.deep.equal(['TO', 'BE', 'OR', 'NOT', 'TO', 'BE']);
    });
  });

  it('fails the record, naming the operator, when the function returns something that is not an iterable', async () => {
    const env = StreamEnvironment.create();
    env
      .fromCollection([1])
      .flatMap(((n: number) => n * 2) as unknown as (n: number) => number[])
      .name('Doubles')
      .print();
    const error = (await failureOf(env.execute('not an iterable'))) as UserFunctionFailed;
    expect(error).to.be.instanceOf(UserFunctionFailed);
    expect(error.operator).to.equal('Doubles');
    expect((error.cause as Error).message).to.equal(
      'the flatMap function returned a number: return an iterable of the records to emit (an array, a generator), or emit them with out.collect and return nothing',
    );
  });
});
