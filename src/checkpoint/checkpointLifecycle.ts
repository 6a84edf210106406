/**
 * The lifecycle of one checkpoint as an xstate machine, the one place that says what an
 * acknowledgement, a decline, a timeout or the store's answer does to it:
 *
 *   pending --nothing awaited--> persisting --stored--> completed
 *      \                            \
 *       +--abort (timeout, decline,  +--abort (store failed, decline, pause)--> aborted
 *          pause, subsumed)
 *
 * An acknowledgement is answered with an outcome value, never an exception: duplicates and late
 * acks are ordinary (as Flink's PendingCheckpoint answers them). Effects are named actions, no-ops
 * here: the coordinator provides them for each checkpoint, a spec reads them as values.
 */
import { absurd } from 'fp-ts/function';
import { assign, setup } from 'xstate';
import { TaskId } from './TaskId';
import { CheckpointId, TaskSnapshot } from './CheckpointTypes';
import { DeclineReason } from './coordinatorProtocol';

export type CheckpointFailureReason = 'timeout' | 'declined' | 'taskFailure' | 'subsumed' | 'storeFailed' | 'jobFinishing';

/** Whether an abort counts as a failed checkpoint (toward the tolerable failures): a task failure, a newer checkpoint or the end of input say nothing about checkpointing. */
export function countsAsFailure(reason: CheckpointFailureReason): boolean {
  return reason !== 'taskFailure' && reason !== 'subsumed' && reason !== 'jobFinishing';
}

export type AckOutcome = 'accepted' | 'duplicate' | 'unknownTask' | 'discarded';

export type CheckpointStatus = 'pending' | 'persisting' | 'completed' | 'aborted';

/** Why a checkpoint was aborted: the reason, who declined or did not acknowledge (`detail`), why the store failed (`cause`). */
export interface CheckpointFailure {
  readonly reason: CheckpointFailureReason;
  readonly detail?: string;
  readonly cause?: Error;
}

export type CheckpointLifecycleEvent =
  | { readonly type: 'ack'; readonly task: TaskId; readonly snapshot: TaskSnapshot }
  | { readonly type: 'decline'; readonly task: TaskId; readonly reason: DeclineReason }
  /** The checkpoint timeout passed (only a pending checkpoint times out: a persisting one waits for its store). */
  | { readonly type: 'timeout' }
  | { readonly type: 'abort'; readonly reason: CheckpointFailureReason; readonly cause?: Error }
  | { readonly type: 'persisted' }
  | { readonly type: 'persistFailed'; readonly error: Error };

export interface CheckpointLifecycleInput {
  readonly id: CheckpointId;
  readonly startedAt: number;
  readonly expected: ReadonlySet<TaskId>;
  /** The checkpoint timeout, for the message of a timeout. */
  readonly timeoutMs: number;
}

export interface CheckpointLifecycleContext extends CheckpointLifecycleInput {
  /** The acknowledged snapshots, in the order they came. */
  readonly snapshots: ReadonlyMap<TaskId, TaskSnapshot>;
  /** What the last acknowledgement was answered. */
  readonly lastAck: AckOutcome | undefined;
  readonly failure: CheckpointFailure | undefined;
}

/** The tasks that have not acknowledged yet. */
export function awaiting(context: Pick<CheckpointLifecycleContext, 'expected' | 'snapshots'>): TaskId[] {
  return [...context.expected].filter((t) => !context.snapshots.has(t));
}

/** A decline is a failed checkpoint, unless a newer checkpoint subsumed it at the task. */
function declined(task: TaskId, reason: DeclineReason): CheckpointFailure {
  switch (reason._tag) {
    case 'subsumed':
      return { reason: 'subsumed', detail: `declined by task ${task}: ${reason.detail}` };
    case 'taskCheckpointFailed':
      return { reason: 'declined', detail: `declined by task ${task}: ${reason.detail}` };
    default:
      return absurd(reason);
  }
}

function timedOut(context: CheckpointLifecycleContext): CheckpointFailure {
  const late = awaiting(context);
  const named = late.slice(0, 10).join(', ') + (late.length > 10 ? `, … (${late.length} in all)` : '');
  return { reason: 'timeout', detail: `not acknowledged within ${context.timeoutMs} ms by task(s) ${named}` };
}

type Ack = Extract<CheckpointLifecycleEvent, { type: 'ack' }>;
const ackOf = (event: CheckpointLifecycleEvent): Ack => {
  if (event.type !== 'ack') throw new Error(`checkpointLifecycle: an ack guard ran on '${event.type}'`);
  return event;
};

export const checkpointLifecycle = setup({
  types: { context: {} as CheckpointLifecycleContext, events: {} as CheckpointLifecycleEvent, input: {} as CheckpointLifecycleInput },
  guards: {
    fromUnknownTask: ({ context, event }) => !context.expected.has(ackOf(event).task),
    duplicate: ({ context, event }) => context.snapshots.has(ackOf(event).task),
    nothingAwaited: ({ context }) => awaiting(context).length === 0,
  },
  actions: {
    answer: assign((_, outcome: AckOutcome) => ({ lastAck: outcome })),
    keepSnapshot: assign(({ context, event }) => {
      const { task, snapshot } = ackOf(event);
      return { lastAck: 'accepted' as const, snapshots: new Map([...context.snapshots, [task, snapshot]]) };
    }),
    keepFailure: assign(({ context, event }): Partial<CheckpointLifecycleContext> => {
      switch (event.type) {
        case 'decline':
          return { failure: declined(event.task, event.reason) };
        case 'timeout':
          return { failure: timedOut(context) };
        case 'abort':
          return { failure: { reason: event.reason, ...(event.cause === undefined ? {} : { cause: event.cause }) } };
        case 'persistFailed':
          return { failure: { reason: 'storeFailed', cause: event.error } };
        default:
          return {};
      }
    }),
    /** Send the barrier into the sources. */
    triggerAtSources: () => {},
    /** Start the timer of the checkpoint timeout. */
    armTimeout: () => {},
    /** Write the snapshots to the store (or the savepoint's directory). */
    persist: () => {},
    /** The checkpoint is durable: tell the tasks and whoever waits for it. */
    completed: () => {},
    /** Tell the tasks and whoever waits for it; count the failure (context.failure says why). */
    aborted: () => {},
  },
}).createMachine({
  id: 'checkpoint',
  context: ({ input }) => ({ ...input, snapshots: new Map(), lastAck: undefined, failure: undefined }),
  initial: 'pending',
  states: {
    pending: {
      entry: ['triggerAtSources', 'armTimeout'],
      // Every expected task acknowledged (at once, for the final checkpoint's snapshots taken as tasks drained).
      always: { guard: 'nothingAwaited', target: 'persisting' },
      on: {
        ack: [
          { guard: 'fromUnknownTask', actions: { type: 'answer', params: 'unknownTask' } },
          { guard: 'duplicate', actions: { type: 'answer', params: 'duplicate' } },
          { actions: 'keepSnapshot' },
        ],
        decline: { target: 'aborted', actions: 'keepFailure' },
        timeout: { target: 'aborted', actions: 'keepFailure' },
        abort: { target: 'aborted', actions: 'keepFailure' },
      },
    },
    persisting: {
      entry: 'persist',
      on: {
        // Every expected task has acknowledged: a repeated ack is still a duplicate (as in Flink), not discarded.
        ack: [{ guard: 'fromUnknownTask', actions: { type: 'answer', params: 'unknownTask' } }, { actions: { type: 'answer', params: 'duplicate' } }],
        persisted: 'completed',
        persistFailed: { target: 'aborted', actions: 'keepFailure' },
        decline: { target: 'aborted', actions: 'keepFailure' },
        abort: { target: 'aborted', actions: 'keepFailure' },
      },
    },
    completed: { type: 'final', entry: 'completed' },
    aborted: { type: 'final', entry: 'aborted' },
  },
});
