/**
 * A parallel source that calls `generate(index)` for index 0..count-1 (count may be
 * Infinity). Instance i of p produces indices i, i+p, i+2p, ...: every index exactly once,
 * whatever the parallelism. Its position is the next index it will produce.
 */
import { PollResult, Source, SourceReader, SplitContext } from '../graph/Source';
import { restoredOffset } from './restoredPosition';

export class GeneratorSource<T> implements Source<T> {
  readonly name = 'Generator Source';
  readonly parallel = true;
  constructor(private readonly count: number, private readonly generate: (index: number) => T) {
    if (!(count >= 0) || (!Number.isInteger(count) && count !== Infinity)) {
      throw new RangeError(`fromGenerator: count must be a non-negative integer or Infinity, got ${count}`);
    }
  }
  createReader({ index, parallelism, restoredPosition }: SplitContext): SourceReader<T> {
    const { count, generate } = this;
    let next = restoredOffset(this.name, restoredPosition, index);
    if (next % parallelism !== index % parallelism) {
      throw new Error(`${this.name}: position ${next} does not belong to instance ${index} of ${parallelism}`);
    }
    return {
      poll(max, emit): PollResult {
        for (let n = 0; n < max && next < count; n++, next += parallelism) emit(generate(next));
        return next < count ? 'more' : 'end';
      },
      position: () => next,
    };
  }
}
