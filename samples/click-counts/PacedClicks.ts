/**
 * A source of `count` clicks spread over `users` users, emitting at most `rate` a second (0:
 * no limit), so that a job runs long enough to be watched and stopped. One instance; its
 * position is the next click's index, so a job restored from a savepoint goes on from there.
 */
import { PollResult, Source, SourceReader, SplitContext } from '../../src';

export interface Click {
  readonly id: number;
  readonly user: string;
}

/** A poll that finds no click due waits this long at most: checkpoints are not held up longer. */
const IDLE_POLL_MS = 20;

export class PacedClicks implements Source<Click> {
  readonly name = 'clicks';
  readonly parallel = false;
  constructor(private readonly count: number, private readonly users: number, private readonly rate: number) {}

  createReader({ restoredPosition }: SplitContext): SourceReader<Click> {
    const { count, users, rate } = this;
    let next = typeof restoredPosition === 'number' ? restoredPosition : 0;
    const started = performance.now();
    const from = next;
    return {
      poll(max, emit): PollResult | Promise<PollResult> {
        if (next >= count) return 'end';
        const due = rate === 0 ? count : Math.min(count, from + Math.floor(((performance.now() - started) * rate) / 1000));
        if (next < due) {
          for (const end = Math.min(due, next + max); next < end; next++) emit({ id: next, user: `user-${next % users}` });
          return next < count ? 'more' : 'end';
        }
        return new Promise((resolve) => setTimeout(() => resolve('more'), Math.min(IDLE_POLL_MS, Math.ceil(1000 / rate))));
      },
      position: () => next,
    };
  }
}
