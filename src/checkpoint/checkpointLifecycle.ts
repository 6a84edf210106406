/**
 * The lifecycle of one checkpoint as an xstate machine:
 *
 *   pending --all acknowledged--> persisting --stored--> completed
 *      \                            \
 *       +--abort (timeout, decline,  +--abort (store failed)--> aborted
 *          task failure, subsumed)
 */
import { setup } from 'xstate';

export type CheckpointFailureReason = 'timeout' | 'declined' | 'taskFailure' | 'subsumed' | 'storeFailed' | 'jobFinishing';

export type CheckpointLifecycleEvent =
  | { readonly type: 'acks.complete' }
  | { readonly type: 'persisted' }
  | { readonly type: 'abort'; readonly reason: CheckpointFailureReason };

export type CheckpointStatus = 'pending' | 'persisting' | 'completed' | 'aborted';

export const checkpointLifecycle = setup({ types: { events: {} as CheckpointLifecycleEvent } }).createMachine({
  id: 'checkpoint',
  initial: 'pending',
  states: {
    pending: { on: { 'acks.complete': 'persisting', abort: 'aborted' } },
    persisting: { on: { persisted: 'completed', abort: 'aborted' } },
    completed: { type: 'final' },
    aborted: { type: 'final' },
  },
});
