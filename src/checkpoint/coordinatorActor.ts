/**
 * The checkpoint coordinator as an actor: its messages, each handled by one case (a new message
 * kind does not compile until it is handled), and its supervision. What the coordinator does is
 * in CheckpointCoordinator.ts; what happens to each checkpoint, in checkpointLifecycle.ts.
 */
import { Ref, dispatch, spawn } from 'nact';
import { absurd } from 'fp-ts/function';
import { loggedError } from '../logging/logger';
import { CheckpointCoordinator, CoordinatorDeps } from './CheckpointCoordinator';
import { CoordinatorMsg, CoordinatorRef } from './coordinatorProtocol';

function handle(coordinator: CheckpointCoordinator, msg: CoordinatorMsg): void {
  switch (msg.type) {
    case 'coordinator.start':
      return coordinator.start(msg.attempt, msg.sources, msg.tasks);
    case 'coordinator.pause':
      return coordinator.pause(msg.reason);
    case 'coordinator.final':
      return coordinator.completeFinal(msg.snapshots, msg.replyTo, msg.savepoint);
    case 'coordinator.savepoint':
      return coordinator.savepoint(msg.request);
    case 'savepoint.waitedTooLong':
      return coordinator.savepointWaitedTooLong(msg.request);
    case 'coordinator.trigger':
      return coordinator.triggerAsked(msg.replyTo);
    case 'coordinator.stats':
      dispatch(msg.replyTo, coordinator.history.current());
      return;
    case 'checkpoint.tick':
      return coordinator.ticked();
    case 'checkpoint.timeout':
      coordinator.pending.get(msg.id)?.timeout();
      return;
    case 'checkpoint.ack': {
      const pc = msg.attempt === coordinator.attempt ? coordinator.pending.get(msg.id) : undefined;
      if (pc === undefined) return;
      coordinator.history.aligned(msg.id, msg.alignmentMs);
      pc.acknowledge(msg.task, msg.snapshot);
      return;
    }
    case 'checkpoint.decline':
      if (msg.attempt === coordinator.attempt) coordinator.pending.get(msg.id)?.decline(msg.task, msg.reason);
      return;
    case 'checkpoint.persisted':
      coordinator.pending.get(msg.id)?.persisted();
      return;
    case 'checkpoint.persistFailed':
      coordinator.pending.get(msg.id)?.persistFailed(msg.error);
      return;
    default:
      return absurd(msg);
  }
}

export function spawnCoordinator(parent: Ref<unknown>, deps: CoordinatorDeps): CoordinatorRef {
  return spawn(
    parent as Ref<never>,
    (coordinator: CheckpointCoordinator, msg: CoordinatorMsg) => {
      handle(coordinator, msg);
      return coordinator;
    },
    'checkpoint-coordinator',
    {
      initialStateFunc: (ctx) => new CheckpointCoordinator(deps, ctx.self as CoordinatorRef),
      afterStop: (coordinator: CheckpointCoordinator) => coordinator.dispose(),
      onCrash: (_msg, error, ctx) => {
        try {
          deps.logger.error({ error: loggedError(error) }, `the checkpoint coordinator crashed, the job fails over: ${error instanceof Error ? error.message : String(error)}`);
        } catch {
          // An application's logger that throws must not keep the job from settling.
        }
        try {
          dispatch(deps.master, { type: 'checkpoint.tooManyFailures', error: error ?? new Error('checkpoint coordinator crashed') });
        } catch {
          // The master is gone.
        }
        return ctx.stop;
      },
    },
  ) as CoordinatorRef;
}
