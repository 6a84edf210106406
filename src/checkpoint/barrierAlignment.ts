/**
 * Barrier alignment as a pure transition: (state, event) => { state, effects }. States are
 * named after the situation, as in Flink's BarrierHandlerState. Stale and duplicate barriers
 * are ordinary cases, handled first.
 *
 * Exactly-once ("aligned"): a channel that delivered barrier n is blocked until n arrived on
 * every channel, so the snapshot holds the effects of exactly the records before the barrier.
 * At-least-once: nothing is blocked; the snapshot is taken once n arrived everywhere.
 */
import { absurd } from 'fp-ts/function';
import { CheckpointId } from './CheckpointTypes';

export type AlignmentState =
  | { readonly kind: 'waitingForFirstBarrier'; readonly latest: number }
  | { readonly kind: 'collectingBarriers'; readonly latest: number; readonly id: CheckpointId; readonly received: ReadonlySet<number> };

export type AlignmentEvent =
  | { readonly type: 'barrier'; readonly channel: number; readonly id: CheckpointId }
  /** The channel ended: it owes no barrier any more. */
  | { readonly type: 'channelEnded'; readonly channel: number }
  /** The checkpoint was aborted (by the coordinator, or by a cancellation marker). */
  | { readonly type: 'abort'; readonly id: CheckpointId };

export type AlignmentEffect =
  | { readonly type: 'block'; readonly channel: number }
  | { readonly type: 'unblockAll' }
  /** Every channel delivered barrier `id`: snapshot, acknowledge, forward the barrier. */
  | { readonly type: 'snapshot'; readonly id: CheckpointId }
  /** A newer barrier arrived before `id` was aligned: `id` is abandoned and must be declined. */
  | { readonly type: 'subsumed'; readonly id: CheckpointId };

export interface AlignmentContext {
  readonly channels: number;
  /** Channels that ended; they count as having delivered every barrier. */
  readonly ended: ReadonlySet<number>;
  readonly aligned: boolean;
}

export interface Transition {
  readonly state: AlignmentState;
  readonly effects: readonly AlignmentEffect[];
}

export const initialAlignment: AlignmentState = { kind: 'waitingForFirstBarrier', latest: 0 };

function complete(received: ReadonlySet<number>, ctx: AlignmentContext): boolean {
  for (let c = 0; c < ctx.channels; c++) if (!received.has(c) && !ctx.ended.has(c)) return false;
  return true;
}

function startCollecting(latest: number, id: CheckpointId, channel: number, ctx: AlignmentContext, before: AlignmentEffect[]): Transition {
  const received = new Set([channel]);
  if (complete(received, ctx)) {
    return { state: { kind: 'waitingForFirstBarrier', latest: id }, effects: [...before, { type: 'snapshot', id }] };
  }
  const effects: AlignmentEffect[] = ctx.aligned ? [...before, { type: 'block', channel }] : before;
  return { state: { kind: 'collectingBarriers', latest: id, id, received }, effects };
}

export function alignmentTransition(state: AlignmentState, event: AlignmentEvent, ctx: AlignmentContext): Transition {
  switch (event.type) {
    case 'barrier': {
      // Stale: a barrier of a checkpoint this task already snapshotted, abandoned or saw aborted.
      if (state.kind === 'waitingForFirstBarrier') {
        if (event.id <= state.latest) return { state, effects: [] };
        return startCollecting(state.latest, event.id, event.channel, ctx, []);
      }
      if (event.id < state.id || (event.id === state.id && state.received.has(event.channel))) return { state, effects: [] };
      if (event.id > state.id) {
        // A newer checkpoint subsumes the one being aligned.
        const release: AlignmentEffect[] = [{ type: 'subsumed', id: state.id }, ...(ctx.aligned ? [{ type: 'unblockAll' } as const] : [])];
        return startCollecting(state.latest, event.id, event.channel, ctx, release);
      }
      const received = new Set(state.received).add(event.channel);
      if (complete(received, ctx)) {
        return {
          state: { kind: 'waitingForFirstBarrier', latest: state.id },
          effects: [{ type: 'snapshot', id: state.id }, ...(ctx.aligned ? [{ type: 'unblockAll' } as const] : [])],
        };
      }
      return { state: { ...state, received }, effects: ctx.aligned ? [{ type: 'block', channel: event.channel }] : [] };
    }
    case 'channelEnded': {
      if (state.kind === 'waitingForFirstBarrier' || !complete(state.received, ctx)) return { state, effects: [] };
      return {
        state: { kind: 'waitingForFirstBarrier', latest: state.id },
        effects: [{ type: 'snapshot', id: state.id }, ...(ctx.aligned ? [{ type: 'unblockAll' } as const] : [])],
      };
    }
    case 'abort': {
      if (state.kind === 'waitingForFirstBarrier') {
        return { state: { kind: 'waitingForFirstBarrier', latest: Math.max(state.latest, event.id) }, effects: [] };
      }
      if (event.id < state.id) return { state, effects: [] };
      return {
        state: { kind: 'waitingForFirstBarrier', latest: Math.max(state.latest, event.id) },
        effects: ctx.aligned ? [{ type: 'unblockAll' }] : [],
      };
    }
    default:
      return absurd(event);
  }
}
