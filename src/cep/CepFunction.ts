/**
 * The CEP operator's function, run by the keyed process operator: each event waits in its
 * key's state for the watermark to pass its timestamp, then events are fed to the pattern's
 * automaton in timestamp order (arrival order within a timestamp). A key with waiting events
 * has one event-time timer just past the watermark, as Flink's CEP operator does, rather than
 * one per timestamp: it fires with the next watermark, which releases every event it passed. The
 * automaton's partial matches are keyed state too, so checkpoints take them and a restore at
 * another parallelism moves them with their key groups. An event at or behind the watermark
 * is late: it goes to the late-data side output when one is set, else it is dropped and counted
 * (the user metric `cepLateRecordsDropped`).
 */
import { Collector } from '../graph/Collector';
import { OutputTag } from '../graph/OutputTag';
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../api/ProcessFunction';
import { RichFunction, RuntimeContext } from '../api/RuntimeContext';
import { Counter } from '../metrics/MetricGroup';
import { Key } from '../state/keyHash';
import { Serializer, Serializers } from '../state/Serializer';
import { MapState, ValueState } from '../state/State';
import { MapStateDescriptor, ValueStateDescriptor } from '../state/StateDescriptor';
import { AfterMatchSkipStrategy, releaseMatches } from './AfterMatchSkipStrategy';
import { eventListSerializer, partialMatchesSerializer } from './cepSerializers';
import { Nfa, PartialMatch } from './Nfa';
import { Pattern } from './Pattern';
import { Match, PatternContext, PatternProcessFunction } from './PatternProcessFunction';

type TimedOutHandler<T> = (match: Match<T>, ctx: PatternContext) => void;

export interface CepOptions<T> {
  /** How events are stored in state (default: JSON). */
  readonly serializer?: Serializer<T>;
  /** Where late events go; undefined: dropped and counted. */
  readonly lateDataTag?: OutputTag<T>;
}

export class CepFunction<T, O> extends KeyedProcessFunction<Key, T, O> {
  override readonly sideOutputTags: readonly OutputTag<any>[];
  private readonly nfa: Nfa<T>;
  private readonly partialsDescriptor: ValueStateDescriptor<PartialMatch<T>[]>;
  private readonly bufferDescriptor: MapStateDescriptor<number, T[]>;
  private partials!: ValueState<PartialMatch<T>[]>;
  private buffer!: MapState<number, T[]>;
  /** The time of the timer that times out the oldest partial match, when one is set. */
  private wake!: ValueState<number>;
  private readonly wakeDescriptor = new ValueStateDescriptor('cep-timeout-wake', Serializers.number);
  private lateDropped!: Counter;
  private readonly timedOut: TimedOutHandler<T> | undefined;
  private readonly skip: AfterMatchSkipStrategy;
  /** With a skip strategy: the matches waiting to be reported (see releaseMatches), and the key's count of events so far. */
  private readonly heldDescriptor: ValueStateDescriptor<PartialMatch<T>[]>;
  private readonly seqDescriptor = new ValueStateDescriptor('cep-event-count', Serializers.number);
  private held!: ValueState<PartialMatch<T>[]>;
  private seq!: ValueState<number>;

  constructor(pattern: Pattern<T>, private readonly fn: PatternProcessFunction<T, O>, private readonly options: CepOptions<T>) {
    super();
    this.nfa = new Nfa(pattern);
    const events = options.serializer ?? Serializers.json<T>();
    this.partialsDescriptor = new ValueStateDescriptor('cep-partial-matches', partialMatchesSerializer(events));
    this.heldDescriptor = new ValueStateDescriptor('cep-held-matches', partialMatchesSerializer(events));
    this.skip = pattern.skipStrategy;
    this.bufferDescriptor = new MapStateDescriptor('cep-events', Serializers.number, eventListSerializer(events));
    this.sideOutputTags = [...fn.sideOutputTags, ...(options.lateDataTag === undefined ? [] : [options.lateDataTag])];
    this.timedOut = (fn as { processTimedOutMatch?: TimedOutHandler<T> }).processTimedOutMatch?.bind(fn);
  }

  open(ctx: RuntimeContext): void | Promise<void> {
    this.partials = ctx.getState(this.partialsDescriptor);
    this.buffer = ctx.getMapState(this.bufferDescriptor);
    this.wake = ctx.getState(this.wakeDescriptor);
    this.held = ctx.getState(this.heldDescriptor);
    this.seq = ctx.getState(this.seqDescriptor);
    this.lateDropped = ctx.getMetricGroup().counter('cepLateRecordsDropped');
    return (this.fn as RichFunction).open?.(ctx);
  }

  close(): void | Promise<void> {
    return (this.fn as RichFunction).close?.();
  }

  processElement(event: T, ctx: KeyedProcessContext<Key>): void {
    const ts = ctx.timestamp();
    if (ts === undefined) {
      throw new Error('CEP orders events by event time: give the stream timestamps and watermarks (assignTimestampsAndWatermarks) before CEP.pattern');
    }
    const timers = ctx.timerService();
    const watermark = timers.currentWatermark();
    if (!(ts > watermark)) {
      if (this.options.lateDataTag !== undefined) ctx.output(this.options.lateDataTag, event);
      else this.lateDropped.inc();
      return;
    }
    // Invariant: a key with waiting events has a timer at most one past the watermark.
    if (this.buffer.isEmpty()) timers.registerEventTimeTimer(justPast(watermark));
    const waiting = this.buffer.get(ts);
    if (waiting === undefined) this.buffer.put(ts, [event]);
    else {
      waiting.push(event);
      this.buffer.put(ts, waiting);
    }
  }

  // Made once, not per timer: the operator passes the same context and output each time.
  private onTimerContext!: OnTimerContext<Key>;
  private onTimerOut!: Collector<O>;
  /** The time of what processMatch or processTimedOutMatch is given. */
  private at = 0;
  private readonly patternContext: PatternContext = {
    timestamp: () => this.at,
    currentProcessingTime: () => this.onTimerContext.timerService().currentProcessingTime(),
    output: (tag, v) => this.onTimerContext.output(tag, v),
  };
  private readonly onMatch = (m: Match<T>) => this.fn.processMatch(m, this.patternContext, this.onTimerOut);
  /** With a skip strategy, matches are held first (completed by the current event), then released in order. */
  private completed: PartialMatch<T>[] = [];
  private readonly onCompleted = (_m: Match<T>, pm: PartialMatch<T>) => {
    this.completed.push(pm);
  };
  private readonly report = (pm: PartialMatch<T>) => this.fn.processMatch(this.nfa.matchOf(pm), this.patternContext, this.onTimerOut);
  private readonly stageName = (step: number) => this.nfa.stageName(step);
  private readonly onTimeout = (m: Match<T>, start: number) => {
    // A partial match's time is when it timed out, whenever the watermark let it be seen.
    this.at = start + this.nfa.windowMs!;
    this.timedOut?.(m, this.patternContext);
  };
  /** A match that waited for its window to close (a pattern ending with notNext/notFollowedBy): its time is that close. */
  private readonly onClosedMatch = (m: Match<T>, start: number) => {
    this.at = start + this.nfa.windowMs!;
    this.fn.processMatch(m, this.patternContext, this.onTimerOut);
  };

  onTimer(_time: number, ctx: OnTimerContext<Key>, out: Collector<O>): void {
    this.onTimerContext = ctx;
    this.onTimerOut = out;
    const timers = ctx.timerService();
    const watermark = timers.currentWatermark();
    const w = this.nfa.windowMs;
    const { onMatch, onTimeout, onClosedMatch } = this;
    let partials = this.partials.value() ?? [];
    const skipping = this.skip.kind !== 'noSkip';
    let held = skipping ? this.held.value() ?? [] : [];
    let seq = skipping ? this.seq.value() ?? 0 : 0;
    const release = (flush: boolean) => {
      ({ held, partials } = releaseMatches(this.skip, [...held, ...this.completed], partials, flush, this.stageName, this.report));
      this.completed = [];
    };
    const times = this.buffer.keys().filter((t) => t <= watermark);
    times.sort((a, b) => a - b);
    for (const t of times) {
      partials = this.nfa.prune(partials, t, onTimeout, onClosedMatch);
      this.at = t;
      if (skipping && held.length > 0) release(false);
      for (const event of this.buffer.get(t)!) {
        partials = this.nfa.advance(partials, event, t, seq++, skipping ? this.onCompleted : onMatch);
        if (skipping) release(false);
      }
      this.buffer.remove(t);
    }
    // Events still to come are past the watermark: what they cannot extend has timed out.
    partials = this.nfa.prune(partials, watermark + 1, onTimeout, onClosedMatch);
    if (skipping) {
      // The end of input (the watermark at the end of time) reports the matches still held.
      release(watermark === Infinity);
      // Sequence numbers are compared only among live matches: with none, the count starts again.
      if (held.length === 0 && partials.length === 0) this.seq.clear();
      else this.seq.update(seq);
      if (held.length === 0) this.held.clear();
      else {
        this.held.update(held);
        // Held matches wait for partial matches; should those never end, the end of input reports them.
        timers.registerEventTimeTimer(Number.MAX_SAFE_INTEGER);
      }
    }
    if (!this.buffer.isEmpty()) timers.registerEventTimeTimer(justPast(watermark));
    const pending = this.wake.value();
    if (partials.length === 0) {
      this.partials.clear();
      if (pending !== undefined && pending <= watermark) this.wake.clear();
      return;
    }
    this.partials.update(partials);
    if (w === undefined) return;
    // One timer wakes the key when its oldest partial match times out (starts only grow).
    if (pending !== undefined && pending > watermark) return;
    let oldest = Infinity;
    for (const p of partials) oldest = Math.min(oldest, p.start);
    this.wake.update(oldest + w);
    timers.registerEventTimeTimer(oldest + w);
  }
}

/** The time of a timer that fires with the next watermark: finite, also before the first one. */
function justPast(watermark: number): number {
  return Number.isFinite(watermark) ? watermark + 1 : Number.MIN_SAFE_INTEGER;
}
