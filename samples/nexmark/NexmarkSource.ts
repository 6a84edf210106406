/**
 * Nexmark events as a parallel source: instance i of p generates events i, i+p, i+2p, ...
 * (every event exactly once at any parallelism), each with its event time as the record's
 * timestamp. Bounded (`events`) or unbounded (Infinity); as fast as it is read, or throttled
 * to `ratePerSecond` events per wall-clock second over all instances. Its checkpointed
 * position is the next event number, so a restored job generates the same events again.
 */
import { DataStream, PollResult, Source, SourceReader, SplitContext, StreamEnvironment, Time, WatermarkStrategy } from '../../src';
import { NexmarkConfig, NexmarkGenerator } from './generator';
import { NexmarkEvent } from './model';

export interface NexmarkSourceOptions extends Partial<NexmarkConfig> {
  /** How many events; Infinity for an unbounded source. */
  readonly events: number;
  /** Wall-clock events per second over all instances; undefined: as fast as the job reads. */
  readonly ratePerSecond?: number;
  /** Called when the instance that generates event `at` is about to generate it: a benchmark reads its CPU time there (make bench-flink). */
  readonly mark?: { readonly at: number; readonly reached: () => void };
}

/** Nexmark's watermark: event time minus 4 seconds, as the Nexmark project's table definitions. */
export const NEXMARK_OUT_OF_ORDERNESS = Time.seconds(4);

export class NexmarkSource implements Source<NexmarkEvent> {
  readonly name = 'Nexmark Source';
  readonly parallel = true;
  constructor(private readonly options: NexmarkSourceOptions) {
    const { events, ratePerSecond } = options;
    if (!(events >= 0) || (!Number.isInteger(events) && events !== Infinity)) throw new RangeError(`events must be a non-negative integer or Infinity, got ${events}`);
    if (ratePerSecond !== undefined && !(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${ratePerSecond}`);
  }

  createReader({ index, parallelism, restoredPosition }: SplitContext): SourceReader<NexmarkEvent> {
    const generator = new NexmarkGenerator(this.options);
    const count = this.options.events;
    const rate = this.options.ratePerSecond === undefined ? undefined : this.options.ratePerSecond / parallelism;
    let next = restoredPosition === undefined ? index : Number(restoredPosition);
    if (!Number.isInteger(next) || next < 0 || next % parallelism !== index % parallelism) {
      throw new Error(`${this.name}: cannot resume instance ${index} of ${parallelism} from position ${JSON.stringify(restoredPosition)}`);
    }
    let started = 0;
    let emittedSinceStart = 0;
    const mark = this.options.mark;
    const markAt = mark?.at ?? -1;
    return {
      poll(max, emit): PollResult | Promise<PollResult> {
        let allowed = max;
        if (rate !== undefined) {
          const now = Date.now();
          if (started === 0) started = now;
          allowed = Math.min(max, Math.floor(((now - started) * rate) / 1000) - emittedSinceStart);
          // Not yet time for the next event: wait about as long as one event takes, then poll again.
          if (allowed <= 0) return new Promise((resolve) => setTimeout(() => resolve('more'), Math.max(1, Math.ceil(1000 / rate))));
        }
        for (let n = 0; n < allowed && next < count; n++, next += parallelism) {
          if (next === markAt) mark!.reached();
          const event = generator.event(next);
          emit(event, event.dateTime);
        }
        emittedSinceStart += allowed;
        return next < count ? 'more' : 'end';
      },
      position: () => next,
    };
  }
}

/** The Nexmark event stream with event-time timestamps and Nexmark's watermarks. */
export function nexmarkEvents(env: StreamEnvironment, options: NexmarkSourceOptions): DataStream<NexmarkEvent> {
  return env
    .fromSource(new NexmarkSource(options))
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(NEXMARK_OUT_OF_ORDERNESS).withTimestampAssigner((e) => e.dateTime));
}
