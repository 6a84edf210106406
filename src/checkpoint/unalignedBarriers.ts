/**
 * Unaligned checkpoint barriers as a pure transition, (state, event, ctx) => { state, effects },
 * beside barrierAlignment.ts and in its style. A task handles an unaligned barrier when it
 * arrives, ahead of the input queued before it: the first barrier of checkpoint n makes it
 * snapshot at once and send the barrier ahead of its buffered output; the input queued then,
 * and whatever arrives on each channel until that channel's barrier, is recorded as channel
 * state; n is acknowledged once every channel delivered its barrier or its end of input.
 * Stale and duplicate barriers are ordinary cases, handled first.
 */
import { absurd } from 'fp-ts/function';
import { CheckpointId } from './CheckpointTypes';

export type UnalignedState =
  /** `latest`: the newest checkpoint this task snapshotted or saw cancelled; older barriers are stale. */
  | { readonly kind: 'waitingForFirstBarrier'; readonly latest: number }
  /** Snapshotted `id`; records arriving on the `remaining` channels before their barrier belong to it. */
  | { readonly kind: 'collectingChannelState'; readonly latest: number; readonly id: CheckpointId; readonly remaining: ReadonlySet<number> };

export type UnalignedEvent =
  /** A barrier arrived on `channel` (not when it is taken from the queue). */
  | { readonly type: 'barrier'; readonly channel: number; readonly id: CheckpointId }
  /** End of input arrived on `channel`: it owes no barrier any more. */
  | { readonly type: 'channelEnded'; readonly channel: number }
  /** Checkpoint `id` was abandoned: a cancellation marker arrived, or the coordinator aborted it. */
  | { readonly type: 'cancel'; readonly id: CheckpointId };

export type UnalignedEffect =
  /** A newer barrier arrived before every barrier of `id` did: decline `id` and forward its cancellation. */
  | { readonly type: 'subsumed'; readonly id: CheckpointId }
  /** Snapshot now, send barrier `id` ahead of the buffered output, record the input queued before it. */
  | { readonly type: 'snapshot'; readonly id: CheckpointId }
  /** Every channel delivered barrier `id` or ended: acknowledge with the recorded channel state. */
  | { readonly type: 'acknowledge'; readonly id: CheckpointId }
  /** The channel state recorded for `id` will not be acknowledged: drop it. */
  | { readonly type: 'discard'; readonly id: CheckpointId }
  /** Forward the cancellation marker of `id` downstream (the task forwards each id once). */
  | { readonly type: 'forwardCancel'; readonly id: CheckpointId };

export interface UnalignedContext {
  readonly channels: number;
  /** Channels whose end of input has arrived: they owe no barrier. */
  readonly endArrived: ReadonlySet<number>;
  /** False once the task drained its input: it starts no checkpoint any more. */
  readonly running: boolean;
}

export interface UnalignedTransition {
  readonly state: UnalignedState;
  readonly effects: readonly UnalignedEffect[];
}

export const initialUnaligned: UnalignedState = { kind: 'waitingForFirstBarrier', latest: 0 };

const unchanged = (state: UnalignedState): UnalignedTransition => ({ state, effects: [] });

/** Channel `channel` owes `state.id` nothing more; the last one to deliver completes it. */
function received(state: Extract<UnalignedState, { kind: 'collectingChannelState' }>, channel: number): UnalignedTransition {
  const remaining = new Set(state.remaining);
  remaining.delete(channel);
  if (remaining.size > 0) return { state: { ...state, remaining }, effects: [] };
  return { state: { kind: 'waitingForFirstBarrier', latest: state.latest }, effects: [{ type: 'acknowledge', id: state.id }] };
}

export function unalignedTransition(state: UnalignedState, event: UnalignedEvent, ctx: UnalignedContext): UnalignedTransition {
  switch (event.type) {
    case 'barrier': {
      if (state.kind === 'collectingChannelState' && event.id === state.id) return received(state, event.channel);
      // Stale: a checkpoint this task snapshotted, saw cancelled, or one older than those.
      if (event.id <= state.latest || !ctx.running) return unchanged(state);
      const subsumed: UnalignedEffect[] = state.kind === 'collectingChannelState' ? [{ type: 'subsumed', id: state.id }] : [];
      const remaining = new Set<number>();
      for (let c = 0; c < ctx.channels; c++) if (c !== event.channel && !ctx.endArrived.has(c)) remaining.add(c);
      const effects: UnalignedEffect[] = [...subsumed, { type: 'snapshot', id: event.id }];
      if (remaining.size === 0) return { state: { kind: 'waitingForFirstBarrier', latest: event.id }, effects: [...effects, { type: 'acknowledge', id: event.id }] };
      return { state: { kind: 'collectingChannelState', latest: event.id, id: event.id, remaining }, effects };
    }
    case 'channelEnded':
      if (state.kind !== 'collectingChannelState' || !state.remaining.has(event.channel)) return unchanged(state);
      return received(state, event.channel);
    case 'cancel': {
      const latest = Math.max(state.latest, event.id);
      const forward: UnalignedEffect = { type: 'forwardCancel', id: event.id };
      if (state.kind === 'collectingChannelState' && state.id === event.id) {
        return { state: { kind: 'waitingForFirstBarrier', latest }, effects: [{ type: 'discard', id: event.id }, forward] };
      }
      return { state: { ...state, latest }, effects: [forward] };
    }
    default:
      return absurd(event);
  }
}

/** True while records arriving on `channel` belong to the pending checkpoint's channel state. */
export function isRecording(state: UnalignedState, channel: number): boolean {
  return state.kind === 'collectingChannelState' && state.remaining.has(channel);
}
