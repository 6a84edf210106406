/**
 * What a job master's deployment on task managers elsewhere (threads: TaskManagers; instances:
 * InstanceDeployment) tells them alike: an attempt's deploy command, before its tasks and
 * bridges are placed in it, and a task's restart alone — its peers elsewhere rebridged, its
 * task manager told, a stand-in for the successor in place of its predecessor's.
 */
import { TransferListItem } from 'worker_threads';
import { stop } from 'nact';
import { TaskPlan } from '../graph/ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';
import { MasterRef, TaskRef } from '../runtime/protocol';
import { RemoteDeployRequest, RemoteRestartRequest } from '../runtime/TaskManagerDeployment';
import type { KafkaChannelEnds } from './exchangeTopic';
import { CrossingChannel } from './placement';
import { Bridge, DeployCommand, KeyedStateSetting, LocalBridge } from './taskManagerProtocol';
import type { KafkaChannelAddress } from '../instances/kafkaChannelAddress';
import { TaskManagerThread } from './TaskManagerThread';
import { spawnTaskStandIn } from './taskStandIn';

/** The attempt's deploy command for one task manager, with no task or bridge yet. */
export function deployCommand(request: RemoteDeployRequest, keyedState: KeyedStateSetting, epoch?: number): DeployCommand {
  return {
    ...(epoch === undefined ? {} : { epoch }),
    type: 'taskManager.deploy',
    attempt: request.attempt,
    jobId: request.jobId,
    tasks: [],
    checkpointing: request.checkpointing ?? null,
    unaligned: request.unaligned,
    metrics: request.metrics,
    keyedState,
    outlets: [],
    inlets: [],
  };
}

/** The ends of a task's channels to other task managers: its own, and its peers' by task manager. */
export interface Rebridging {
  readonly mine: { readonly outlets: Bridge[]; readonly inlets: Bridge[] };
  readonly peers: ReadonlyArray<{ readonly outlets: Bridge[]; readonly inlets: Bridge[] }>;
  /** The MessagePorts each task manager's command transfers (threads only). */
  readonly transfers?: readonly TransferListItem[][];
}

export interface RunningAttempt {
  readonly attempt: number;
  readonly master: MasterRef;
  readonly standIns: Map<TaskId, TaskRef>;
}

/**
 * `task`, closed, restarts alone on task manager `here`: its peers elsewhere take their new
 * ends first, then its task manager starts the successor; returns the successor's stand-in
 * (the predecessor's is stopped, which stops nothing there).
 */
export function restartAlone(threads: readonly TaskManagerThread[], here: number, task: TaskPlan, request: RemoteRestartRequest, running: RunningAttempt, ends: Rebridging): TaskRef {
  const { attempt } = running;
  const { mine, peers, transfers } = ends;
  threads.forEach((thread, i) => {
    if (i !== here && (peers[i].outlets.length > 0 || peers[i].inlets.length > 0)) thread.post({ type: 'taskManager.rebridge', attempt, ...peers[i] }, transfers?.[i]);
  });
  threads[here].restartTask(attempt, task.id, request.incarnation);
  threads[here].post({ type: 'taskManager.restartTask', attempt, task: task.id, incarnation: request.incarnation, restore: request.restore ?? null, ...mine }, transfers?.[here]);
  const standIn = spawnTaskStandIn(running.master, `${task.actorName}-a${attempt}-r${request.incarnation}`, attempt, task.id, threads[here], request.incarnation);
  const predecessor = running.standIns.get(task.id);
  if (predecessor !== undefined) stop(predecessor);
  running.standIns.set(task.id, standIn);
  return standIn;
}

/** Where one end of a channel to another task manager goes: Kafka partitions, or a port its instance hands over (LocalChannels). */
export type BridgeTarget = { readonly kafka: KafkaChannelAddress } | { readonly local: LocalBridge['local'] };

/** Both ends of a crossing channel. */
export interface ChannelTargets {
  readonly producer: BridgeTarget;
  readonly consumer: BridgeTarget;
}

/** The ends of channel `c` as its producer's outlet and its consumer's inlet. */
export function bridgesOf(c: CrossingChannel, targets: ChannelTargets): { readonly outlet: Bridge; readonly inlet: Bridge } {
  return { outlet: { task: c.producer, channel: c.output, name: c.name, ...targets.producer }, inlet: { task: c.consumer, channel: c.input, name: c.name, ...targets.consumer } };
}

/** The Kafka ends of a channel (KafkaChannelWiring's addresses) as targets. */
export function kafkaTargets(ends: KafkaChannelEnds): ChannelTargets {
  return { producer: { kafka: ends.producer }, consumer: { kafka: ends.consumer } };
}

/** The ends of `task`'s channels to other task managers (`crossing`, wired again as `targets`), for it and for its peers. */
export function rebridging(task: TaskId, crossing: readonly CrossingChannel[], targets: readonly ChannelTargets[], taskManagers: number): Rebridging {
  const mine = { outlets: [] as Bridge[], inlets: [] as Bridge[] };
  const peers = Array.from({ length: taskManagers }, () => ({ outlets: [] as Bridge[], inlets: [] as Bridge[] }));
  crossing.forEach((c, k) => {
    const { outlet, inlet } = bridgesOf(c, targets[k]);
    if (c.producer === task) {
      mine.outlets.push(outlet);
      peers[c.to].inlets.push(inlet);
    } else {
      mine.inlets.push(inlet);
      peers[c.from].outlets.push(outlet);
    }
  });
  return { mine, peers };
}
