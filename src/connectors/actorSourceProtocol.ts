/**
 * The messages between an application actor that produces records (the producer) and a job's
 * actor source. Records carry sequence numbers: the first record the producer ever sends is
 * number 0. Demand is in records (credits, as Reactive Streams' request(n)); a producer never
 * has more records in flight than the credits it was granted.
 */
import * as t from 'io-ts';
import { Ref } from 'nact';

/** What the producer sends the source's inlet. */
export type ActorSourceMsg<T> =
  /** Records numbered `from`, `from + 1`, …; at most the credits granted and not yet used. */
  | { readonly type: 'source.records'; readonly from: number; readonly records: readonly T[] }
  /** No record follows the ones sent: the source ends once they are emitted. */
  | { readonly type: 'source.complete' }
  /** The producer failed: the source task fails with `reason` (and the job's supervision applies). */
  | { readonly type: 'source.fail'; readonly reason: string };

/** What the source tells the producer. */
export type ActorSourceSignal<T> =
  /**
   * A source reader started (or restarted from a checkpoint): send to `inlet`, beginning with
   * record number `resumeFrom`, at most `credits` records. Records before `resumeFrom` are
   * acknowledged.
   */
  | { readonly type: 'source.started'; readonly inlet: Ref<ActorSourceMsg<T>>; readonly resumeFrom: number; readonly credits: number }
  /** `credits` more records may be sent to `inlet`; records before `acknowledged` are acknowledged. */
  | { readonly type: 'source.demand'; readonly inlet: Ref<ActorSourceMsg<T>>; readonly credits: number; readonly acknowledged: number }
  /** Records before `upTo` are acknowledged: a completed checkpoint holds them. */
  | { readonly type: 'source.acknowledged'; readonly inlet: Ref<ActorSourceMsg<T>>; readonly upTo: number };

/** True for the signals an actor source sends, so a producer can tell them from its other messages. */
export function isActorSourceSignal(msg: unknown): msg is ActorSourceSignal<unknown> {
  const type = typeof msg === 'object' && msg !== null ? (msg as { type?: unknown }).type : undefined;
  return type === 'source.started' || type === 'source.demand' || type === 'source.acknowledged';
}

/**
 * What crosses threads when the source's reader runs in a task manager and the producer stays
 * in the application's thread: the signals without their inlet (the application's side puts in
 * an inlet of its own), and the producer's messages.
 */
export const RemoteActorSourceSignalCodec = t.union([
  t.type({ type: t.literal('source.started'), resumeFrom: t.number, credits: t.number }),
  t.type({ type: t.literal('source.demand'), credits: t.number, acknowledged: t.number }),
  t.type({ type: t.literal('source.acknowledged'), upTo: t.number }),
]);
export type RemoteActorSourceSignal = t.TypeOf<typeof RemoteActorSourceSignalCodec>;

export const ActorSourceMsgCodec = t.union([
  t.type({ type: t.literal('source.records'), from: t.number, records: t.array(t.unknown) }),
  t.type({ type: t.literal('source.complete') }),
  t.type({ type: t.literal('source.fail'), reason: t.string }),
]);
