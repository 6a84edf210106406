/**
 * A source that emits at most `limit` records in a run and then holds (polls find nothing, on a
 * short timer, as a throttled source does) until the run is cancelled or stopped. A spec that
 * takes a savepoint of a bounded job this way never races the job's end: the savepoint is
 * always taken from a running job, however fast the machine reads the input. The limit may be a
 * `Gate` the spec raises while the job runs: it holds one input back until another input has
 * done its part (a broadcast rule reached every instance), without sleeping.
 */
import { PollResult, Source, SourceReader, SplitContext } from '../../src/graph/Source';

const HOLD_POLL_MS = 5;

/** A limit the spec may raise while the job runs. */
export interface Gate {
  open: number;
}

export class HeldSource<T> implements Source<T> {
  readonly name: string;
  readonly parallel: boolean;
  readonly rescalable?: boolean;

  constructor(private readonly inner: Source<T>, private readonly limit: number | Gate) {
    this.name = inner.name;
    this.parallel = inner.parallel;
    this.rescalable = inner.rescalable;
  }

  createReader(split: SplitContext): SourceReader<T> {
    const reader = this.inner.createReader(split);
    const limit = this.limit;
    let emitted = 0;
    return {
      open: () => reader.open?.(),
      poll(max, emit): PollResult | Promise<PollResult> {
        const allowed = (typeof limit === 'number' ? limit : limit.open) - emitted;
        if (allowed <= 0) return new Promise((resolve) => setTimeout(() => resolve('more'), HOLD_POLL_MS));
        return reader.poll(Math.min(max, allowed), (record, timestamp) => {
          emitted++;
          emit(record, timestamp);
        });
      },
      position: (checkpointId) => reader.position(checkpointId),
      notifyCheckpointComplete: (checkpointId) => reader.notifyCheckpointComplete?.(checkpointId),
      close: () => reader.close?.(),
    };
  }
}
