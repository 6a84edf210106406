/** A bounded, non-parallel source over an array; its position is the next index. */
import { PollResult, Source, SourceReader, SplitContext } from '../graph/Source';
import { restoredOffset } from './restoredPosition';

export class CollectionSource<T> implements Source<T> {
  readonly name = 'Collection Source';
  readonly parallel = false;
  constructor(private readonly items: readonly T[]) {}
  createReader({ restoredPosition }: SplitContext): SourceReader<T> {
    const items = this.items;
    let next = restoredOffset(this.name, restoredPosition, 0);
    return {
      poll(max, emit): PollResult {
        const end = Math.min(items.length, next + max);
        for (; next < end; next++) emit(items[next]);
        return next < items.length ? 'more' : 'end';
      },
      position: () => next,
    };
  }
}
