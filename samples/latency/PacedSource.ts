/**
 * A source that offers record i at a fixed schedule, `startedAt + i / rate`, and stamps each
 * record with that due time (not the time it was read): a run that falls behind its schedule
 * shows the lag in its latencies instead of hiding it (no coordinated omission). Rate
 * Infinity reads as fast as the job takes records, to find the job's maximum.
 */
import { PollResult, Source, SourceReader } from '../../src';

export interface PacedEvent {
  readonly id: number;
  readonly key: number;
  /** When the schedule offered it, in performance.now() milliseconds of this process. */
  readonly dueAt: number;
}

export class PacedSource implements Source<PacedEvent> {
  readonly name = 'Paced Source';
  readonly parallel = false;

  constructor(private readonly events: number, private readonly ratePerSecond: number, private readonly keys: number) {
    if (!(ratePerSecond > 0)) throw new RangeError(`rate must be positive, got ${ratePerSecond}`);
  }

  createReader(): SourceReader<PacedEvent> {
    const { events, keys } = this;
    const msPerEvent = 1000 / this.ratePerSecond;
    let startedAt: number | undefined;
    let next = 0;
    return {
      poll(max, emit): PollResult | Promise<PollResult> {
        const now = performance.now();
        startedAt ??= now;
        const due = msPerEvent === 0 ? events : Math.min(events, Math.floor((now - startedAt) / msPerEvent) + 1);
        if (due <= next) {
          const wait = startedAt + next * msPerEvent - now;
          return new Promise((resolve) => setTimeout(() => resolve('more'), Math.max(0, wait)));
        }
        for (const end = Math.min(due, next + max); next < end; next++) emit({ id: next, key: next % keys, dueAt: startedAt + next * msPerEvent });
        return next < events ? 'more' : 'end';
      },
      position: () => next,
    };
  }
}
