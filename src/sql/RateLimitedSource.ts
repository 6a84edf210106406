/**
 * A source read at most `rowsPerSecond` rows per second in all (shared evenly by its parallel
 * instances): what datagen's 'rows-per-second' option gives. A reader ahead of its allowance
 * waits on a timer instead of polling, so an idle throttled source costs no CPU.
 */
import { CheckpointId } from '../checkpoint/CheckpointTypes';
import { PollResult, Source, SourceReader, SplitContext } from '../graph/Source';

export class RateLimitedSource<T> implements Source<T> {
  readonly name: string;
  readonly parallel: boolean;

  constructor(private readonly inner: Source<T>, private readonly rowsPerSecond: number) {
    if (!(rowsPerSecond > 0)) throw new RangeError(`rows per second must be positive, got ${rowsPerSecond}`);
    this.name = inner.name;
    this.parallel = inner.parallel;
  }

  createReader(split: SplitContext): SourceReader<T> {
    const reader = this.inner.createReader(split);
    const perMs = this.rowsPerSecond / split.parallelism / 1000;
    let started: number | undefined;
    let emitted = 0;
    return {
      open: () => reader.open?.(),
      poll(max, emit): PollResult | Promise<PollResult> {
        started ??= Date.now();
        const allowed = Math.floor((Date.now() - started) * perMs) + 1 - emitted;
        if (allowed <= 0) return new Promise((resolve) => setTimeout(() => resolve('more'), Math.max(1, Math.ceil(1 / perMs))));
        let n = 0;
        const result = reader.poll(Math.min(max, allowed), (record, timestamp) => {
          n++;
          emit(record, timestamp);
        });
        const count = (r: PollResult) => {
          emitted += n;
          return r;
        };
        return typeof result === 'string' ? count(result) : result.then(count);
      },
      position: (checkpointId?: CheckpointId) => reader.position(checkpointId),
      notifyCheckpointComplete: (checkpointId) => reader.notifyCheckpointComplete?.(checkpointId),
      close: () => reader.close?.(),
    };
  }
}
