/**
 * A source of the keys 0, 1, 2, ... that stops at each stage's end and holds (polls find
 * nothing, on a short timer) until the next stage is released; after the last stage it holds
 * until the job is cancelled. What it emits, the job keeps in state: the job stands still at
 * each stage's end, so the memory its state takes can be measured there.
 */
import { PollResult, Source, SourceReader } from '../../src';

const HOLD_POLL_MS = 5;

export class StagedSource implements Source<number> {
  readonly name = 'Staged Keys';
  readonly parallel = false;
  private allowed = 0;

  /** Lets the source go on up to key `end` (exclusive). */
  releaseUpTo(end: number): void {
    this.allowed = Math.max(this.allowed, end);
  }

  createReader(): SourceReader<number> {
    let next = 0;
    return {
      poll: (max, emit): PollResult | Promise<PollResult> => {
        if (next >= this.allowed) return new Promise((resolve) => setTimeout(() => resolve('more'), HOLD_POLL_MS));
        for (const end = Math.min(this.allowed, next + max); next < end; next++) emit(next);
        return 'more';
      },
      position: () => next,
    };
  }
}
