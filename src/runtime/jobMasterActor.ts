/**
 * The job master as an actor: its messages, each handled by one case (a new message kind does
 * not compile until it is handled), and its supervision. What the master does is in
 * JobMaster.ts; what the job does in each state, in jobLifecycle.ts.
 */
import { Ref, dispatch, spawn } from 'nact';
import { absurd } from 'fp-ts/function';
import { loggedError } from '../logging/logger';
import { JobMaster } from './JobMaster';
import { JobMasterDeps } from './jobMasterDeps';
import { MasterMsg, MasterRef } from './protocol';
import { NO_CHECKPOINTS } from '../checkpoint/coordinatorProtocol';

function handle(master: JobMaster, msg: MasterMsg): void | Promise<void> {
  switch (msg.type) {
    case 'job.deploy':
      return master.deploy();
    case 'task.drained':
      if (msg.report.attempt === master.attempt) master.taskDrained(msg.report);
      return;
    case 'task.finished':
      return master.taskFinished(msg.attempt, msg.report);
    case 'task.failed':
      if (msg.attempt === master.attempt) return master.failure(msg.error, msg.task);
      return;
    case 'job.failure':
      if (msg.attempt === master.attempt) return master.failure(msg.error, undefined);
      return;
    case 'checkpoint.tooManyFailures':
      return master.failure(msg.error, undefined);
    case 'checkpoint.stoppedAtSavepoint':
      master.stoppedAt = msg.id;
      return;
    case 'checkpoint.stats':
      master.checkpointStats = msg.stats;
      master.checkpointHistory = msg.history;
      return;
    case 'task.closed':
      return master.taskClosed(msg.attempt, msg.task);
    case 'job.cancel':
      return master.send({ type: 'job.cancel' });
    case 'job.counters':
      void master.counters().then((c) => dispatch(msg.replyTo, c));
      return;
    case 'job.metrics':
      void master.metrics().then((m) => dispatch(msg.replyTo, m));
      return;
    case 'job.hotKeys': {
      const { tasks } = master;
      const ref = tasks.finished.has(msg.task) || tasks.stopped ? undefined : tasks.refs.get(msg.task);
      if (ref === undefined) dispatch(msg.replyTo, { task: msg.task, sampled: 0, keys: [] });
      else dispatch(ref, { type: 'task.hotKeys', limit: msg.limit, replyTo: msg.replyTo });
      return;
    }
    case 'job.crashTask': {
      const ref = master.tasks.refs.get(msg.task);
      if (ref !== undefined) dispatch(ref, { type: 'task.crash', reason: msg.reason });
      return;
    }
    case 'job.triggerCheckpoint':
      if (master.coordinator === undefined) dispatch(msg.replyTo, new Error('checkpointing is not enabled: call env.enableCheckpointing(...)'));
      else dispatch(master.coordinator, { type: 'coordinator.trigger', replyTo: msg.replyTo });
      return;
    case 'job.savepoint':
    case 'job.stopWithSavepoint': {
      const coordinator = master.coordinator;
      const why =
        coordinator === undefined
          ? 'savepoints are taken through checkpoint barriers: call env.enableCheckpointing(...)'
          : !master.is('takesSavepoints') || master.drainTo !== undefined
            ? `the job is ${master.drainTo !== undefined ? 'stopping' : master.status()}`
            : undefined;
      if (coordinator === undefined || why !== undefined) {
        dispatch(msg.replyTo, new Error(`savepoint not taken: ${why}`));
        return;
      }
      const request = { dir: msg.dir, terminal: msg.type === 'job.stopWithSavepoint', replyTo: msg.replyTo };
      if (msg.type === 'job.stopWithSavepoint' && msg.drain) {
        master.drainTo = request;
        master.endSources();
      } else {
        dispatch(coordinator, { type: 'coordinator.savepoint', request });
      }
      return;
    }
    case 'job.checkpointHistory':
      dispatch(msg.replyTo, { stats: master.checkpointStats ?? NO_CHECKPOINTS, history: master.checkpointHistory });
      return;
    case 'job.checkpointStats':
      if (master.coordinator === undefined) dispatch(msg.replyTo, NO_CHECKPOINTS);
      else dispatch(master.coordinator, { type: 'coordinator.stats', replyTo: msg.replyTo });
      return;
    default:
      return absurd(msg);
  }
}

export function spawnJobMaster(parent: Ref<unknown>, name: string, deps: JobMasterDeps): MasterRef {
  return spawn(
    parent as Ref<never>,
    (master: JobMaster, msg: MasterMsg) => {
      const pending = handle(master, msg);
      return pending === undefined ? master : pending.then(() => master);
    },
    name,
    {
      initialStateFunc: (ctx) => new JobMaster(deps, ctx.self as MasterRef),
      afterStop: (master: JobMaster) => master.dispose(),
      onCrash: (_msg, error, ctx) => {
        // A master crash is a bug of ours; settle the job as failed rather than hang it.
        try {
          deps.logger.error({ error: loggedError(error) }, `the job master crashed, the job fails: ${error instanceof Error ? error.message : String(error)}`);
        } catch {
          // An application's logger that throws must not keep the job from settling.
        }
        try {
          const metrics = { status: 'failed' as const, restarts: 0, taskRestarts: 0, checkpoints: undefined, checkpointHistory: [], tasks: [] };
          deps.onSettled({ status: 'failed', error: error ?? new Error('job master crashed'), counters: { operators: {} }, restarts: 0, taskRestarts: 0, checkpoints: undefined, metrics });
        } catch {
          // Nothing more can be done from here.
        }
        return ctx.stop;
      },
    },
  ) as MasterRef;
}
