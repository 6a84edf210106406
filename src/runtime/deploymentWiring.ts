/**
 * How deployed tasks are connected, as a pure function of the plan and the tasks' refs: the
 * messages that tell each task its peers. The job master sends them in order; generic in the
 * ref so that a spec can read them with plain names.
 */
import { ExecutionPlan, TaskPlan } from '../graph/ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';

export type WiringMsg<R> =
  /** The task's peers, by input channel and by output channel. */
  | { readonly type: 'task.wire'; readonly inputs: readonly R[]; readonly outputs: readonly R[] }
  /** The peer on one of the task's channels was restarted alone: `ref` is its successor. */
  | { readonly type: 'task.peerReplaced'; readonly side: 'input' | 'output'; readonly channel: number; readonly ref: R };

export interface Wiring<R> {
  readonly to: R;
  readonly msg: WiringMsg<R>;
}

/**
 * The wiring of a deployment. Without `replaced`, every task of a new attempt is wired, in plan
 * order. With `replaced`, one task was restarted alone: each peer is told of its successor on
 * every channel it shares with it, first, and then the successor is wired.
 */
export function deploymentWiring<R>(plan: ExecutionPlan, refs: ReadonlyMap<TaskId, R>, replaced?: TaskId): Wiring<R>[] {
  const refOf = (id: TaskId): R => {
    const ref = refs.get(id);
    if (ref === undefined) throw new Error(`task ${id} of the plan has no deployed actor: deploy every task before wiring`);
    return ref;
  };
  const wire = (task: TaskPlan): Wiring<R> => ({
    to: refOf(task.id),
    msg: { type: 'task.wire', inputs: task.inputs.map((end) => refOf(end.task)), outputs: task.outputs.flatMap((edge) => edge.channels.map((end) => refOf(end.task))) },
  });
  if (replaced === undefined) return plan.tasks.map(wire);
  const successor = plan.tasks.find((t) => t.id === replaced);
  if (successor === undefined) throw new Error(`task ${replaced} is not in the plan of job '${plan.jobName}'`);
  const ref = refOf(replaced);
  const wiring: Wiring<R>[] = [];
  for (const peer of plan.tasks) {
    peer.outputs.flatMap((edge) => edge.channels).forEach((end, channel) => {
      if (end.task === replaced) wiring.push({ to: refOf(peer.id), msg: { type: 'task.peerReplaced', side: 'output', channel, ref } });
    });
    peer.inputs.forEach((end, channel) => {
      if (end.task === replaced) wiring.push({ to: refOf(peer.id), msg: { type: 'task.peerReplaced', side: 'input', channel, ref } });
    });
  }
  wiring.push(wire(successor));
  return wiring;
}
