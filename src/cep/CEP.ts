/**
 * The entry point of complex event processing, as Flink's CEP: `CEP.pattern(keyedStream,
 * pattern)` gives a PatternStream, whose `process` runs a PatternProcessFunction on each match
 * (docs/cep.md).
 *
 * @example
 * CEP.pattern(payments.keyBy((p) => p.card), smallThenLarge)
 *   .process(new Alert());
 */
import { KeyedStream } from '../api/KeyedStream';
import { OutputTag } from '../graph/OutputTag';
import { SingleOutputStream } from '../api/DataStream';
import { instanceCopy } from '../api/functions';
import { KeyedProcessOperator } from '../api/operators/KeyedProcessOperator';
import { TopologyProblem } from '../graph/TopologyProblem';
import { Key } from '../state/keyHash';
import { Serializer } from '../state/Serializer';
import { CepFunction } from './CepFunction';
import { Pattern } from './Pattern';
import { patternProblems } from './patternProblems';
import { PatternProcessFunction } from './PatternProcessFunction';

/** Complex event processing: `CEP.pattern(keyedStream, pattern)`. */
export const CEP = {
  /** The matches of `pattern` in each key's events, in event-time order. */
  pattern<T, K extends Key>(stream: KeyedStream<T, K>, pattern: Pattern<T>): PatternStream<T, K> {
    return new PatternStream<T, K>(stream, pattern, {});
  },
};

/** A keyed stream with a pattern to find in it (`CEP.pattern(stream, pattern)`). */
export class PatternStream<T, K extends Key> {
  /** @internal */
  constructor(
    private readonly stream: KeyedStream<T, K>,
    private readonly pattern: Pattern<T>,
    private readonly settings: { readonly lateDataTag?: OutputTag<T>; readonly serializer?: Serializer<T> },
  ) {}

  /** Events at or behind the watermark when they arrive go to `tag` (read it with `getSideOutput(tag)`) instead of being dropped. */
  sideOutputLateData(tag: OutputTag<T>): PatternStream<T, K> {
    return new PatternStream<T, K>(this.stream, this.pattern, { ...this.settings, lateDataTag: tag });
  }

  /** How events are stored in the operator's state (default: JSON). */
  withSerializer(serializer: Serializer<T>): PatternStream<T, K> {
    return new PatternStream<T, K>(this.stream, this.pattern, { ...this.settings, serializer });
  }

  /** The stream of what `fn` emits for each match. */
  process<O>(fn: PatternProcessFunction<T, O>): SingleOutputStream<O> {
    const name = 'CEP';
    const problems: TopologyProblem[] = patternProblems(this.pattern as Pattern<unknown>).map((reason) => ({ _tag: 'InvalidPattern', operator: name, reason }));
    if (!(this.stream instanceof KeyedStream)) problems.push({ _tag: 'InvalidPattern', operator: name, reason: 'CEP.pattern needs a keyed stream: call keyBy(...) first' });
    const { pattern, settings } = this;
    const keySelector = this.stream.keySelector;
    const sideOutputs = [...fn.sideOutputTags, ...(settings.lateDataTag === undefined ? [] : [settings.lateDataTag])];
    return this.stream.transform<O>(
      name,
      () => new KeyedProcessOperator(new CepFunction<T, O>(pattern, instanceCopy(fn), settings), keySelector),
      { sideOutputs, problems },
      keySelector,
    );
  }
}
