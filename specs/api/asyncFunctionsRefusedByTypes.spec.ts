/**
 * The type-level half of refusing async functions: this file compiles only while each call
 * marked `@ts-expect-error` is a type error (an unused directive fails the build). The run-time
 * half is specs/api/operators/asyncResultRefused.spec.ts.
 */
import { expect } from 'chai';
import { Collector, KeyedProcessContext, KeyedProcessFunction, ProcessContext, ProcessFunction, StreamEnvironment } from '../../src';
import { DataStream } from '../../src/api/DataStream';

/** Defines (never runs) the refused calls: only the compiler looks at them. */
export function refusedByTheCompiler(s: DataStream<string>): void {
  // @ts-expect-error a map function must not return a Promise
  s.map(async (line) => line.length);
  // @ts-expect-error not even sometimes
  s.map((line) => (line === '' ? Promise.resolve(0) : line.length));
  // @ts-expect-error a filter function returns a boolean, not a Promise of one
  s.filter(async (line) => line !== '');
  // @ts-expect-error a flatMap function that collects must not be async
  s.flatMap<string>(async (line, out) => out.collect(line));
  // @ts-expect-error a flatMap function must not return a Promise of an iterable
  s.flatMap(async (line) => line.split(' '));
  // @ts-expect-error a rich map function neither
  s.map({ map: async (line: string) => line.length });

  class AsyncProcess extends ProcessFunction<string, string> {
    // @ts-expect-error processElement must not be async
    async processElement(line: string, _ctx: ProcessContext, out: Collector<string>) {
      out.collect(line);
    }
  }
  class AsyncKeyedProcess extends KeyedProcessFunction<string, string, string> {
    // @ts-expect-error processElement must not be async
    async processElement(line: string, _ctx: KeyedProcessContext<string>, out: Collector<string>) {
      out.collect(line);
    }
  }
  // @ts-expect-error and so is passing one
  s.process(new AsyncProcess());
  // @ts-expect-error on a keyed stream too
  s.keyBy((line) => line).process(new AsyncKeyedProcess());
}

describe('api: async functions refused by the types', () => {
  it('accepts the synchronous forms of the same functions (this file compiles: the refusals above are type errors)', async () => {
    class Upper extends ProcessFunction<string, string> {
      processElement(line: string, _ctx: ProcessContext, out: Collector<string>) {
        out.collect(line.toUpperCase());
      }
    }
    const out = await StreamEnvironment.create()
      .fromCollection(['a b'])
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .flatMap((line) => line.split(' '))
      .flatMap<string>((word, out) => out.collect(word))
      .process(new Upper())
      .executeAndCollect();
    expect(out).to.deep.equal(['A', 'B']);
  });
});
