/**
 * A keyed operator written as an actor: a message handler per key. Each record is a message
 * to the actor of its key; the handler has that key's state (from `open`, as any rich
 * function), emits results and side outputs, and schedules messages to itself — timers that
 * deliver a message rather than call a callback (Akka's `timers.startSingleTimer`). State and
 * scheduled messages live in keyed state, so they take part in barriers and snapshots with no
 * checkpoint code of the user's, exactly as a KeyedProcessFunction's do (it runs as one).
 *
 * @example
 * class RateLimiter extends KeyedActor<string, Hit | Refill, Verdict> {
 *   private tokens!: ValueState<number>;
 *   open(ctx: RuntimeContext) { this.tokens = ctx.getState(new ValueStateDescriptor('tokens', Serializers.number, 10)); }
 *   receive(msg: Hit | Refill, ctx: KeyedActorContext<string, Hit | Refill, Verdict>) {
 *     if (msg.type === 'refill') return this.tokens.update(10);
 *     const left = this.tokens.value()!;
 *     if (left === 10) ctx.scheduleOnce(1000, { type: 'refill' });
 *     this.tokens.update(Math.max(0, left - 1));
 *     ctx.emit({ user: ctx.key(), allowed: left > 0 });
 *   }
 * }
 * hits.keyBy((h) => h.user).processActor(new RateLimiter());
 */
import { Key } from '../state/keyHash';
import { OutputTag } from '../graph/OutputTag';

/** What a keyed actor sees while it handles a message. */
export interface KeyedActorContext<K extends Key, M, O> {
  /** The key whose actor handles the message. */
  key(): K;
  /** Emits a result downstream. */
  emit(output: O): void;
  /** Emits to a side output; the tag must be listed in the actor's `sideOutputTags`. */
  output<X>(tag: OutputTag<X>, value: X): void;
  /** Delivers `message` to this key's actor once `delayMs` of processing time has passed. */
  scheduleOnce(delayMs: number, message: M): void;
  /** Delivers `message` to this key's actor once the watermark reaches `time`. */
  scheduleAtEventTime(time: number, message: M): void;
  /** The current record's event timestamp, or an event-time scheduled message's due time; undefined when there is none. */
  timestamp(): number | undefined;
  /** The task's processing-time clock, in epoch milliseconds. */
  currentProcessingTime(): number;
  /** The task's current event-time watermark. */
  currentWatermark(): number;
}

/** An operator written as a message handler, one actor per key (`keyed.processActor(actor)`): see docs/actors.md. */
export abstract class KeyedActor<K extends Key, M, O> {
  /** The side outputs this actor writes to; `getSideOutput` accepts only these. */
  readonly sideOutputTags: readonly OutputTag<any>[] = [];
  /** Handles one message: a record of the stream, or a message the actor scheduled for itself. */
  abstract receive(message: M, ctx: KeyedActorContext<K, M, O>): void;
  // May define open(context: RuntimeContext) and close(), as a RichFunction does.
}
