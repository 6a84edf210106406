/**
 * What a task manager's thread starts with, what the job master's thread tells it, and what it
 * says back, decoded with io-ts on arrival at either side (a message from another thread is
 * outside input). Data between tasks does not go here: it takes the exchange channels
 * (exchangeProtocol.ts), one MessagePort each (or, between instances, a pair of Kafka
 * partitions), which the deploy command hands over.
 */
import * as t from 'io-ts';
import { MessagePort } from 'worker_threads';
import { TaskSnapshotCodec } from '../checkpoint/CheckpointTypes';
import { KafkaChannelAddressCodec } from '../instances/kafkaChannelAddress';
import { PlanShapeCodec } from './planShape';
import { TASK_MANAGER_MARKER } from './taskManagerIdentity';
import { TaskManagerUsageCodec } from './taskManagerUsage';

/** A task manager's start data (its `workerData`). */
export const TaskManagerSetupCodec = t.intersection([
  t.type({
    kind: t.literal(TASK_MANAGER_MARKER),
    index: t.number,
    count: t.number,
    /** The job's module (absolute path) and the job's name in it (defineJob). */
    module: t.string,
    job: t.string,
    jobName: t.string,
    /** The job's parameters and the environment's options, as given in the application's thread. */
    params: t.unknown,
    environment: t.unknown,
  }),
  t.partial({
    /** Its crossing channels go through Kafka: it opens a KafkaExchange on these brokers. */
    exchange: t.type({ brokers: t.array(t.string), operationTimeoutMs: t.number }),
    /** One of an instance's task managers (instanceThreadProtocol.ts): commands come with their epoch, which it keeps as an instance does. */
    instance: t.literal(true),
  }),
]);
export type TaskManagerSetup = t.TypeOf<typeof TaskManagerSetupCodec>;

const PortCodec = new t.Type<MessagePort, MessagePort, unknown>(
  'MessagePort',
  (u): u is MessagePort => u instanceof MessagePort,
  (u, c) => (u instanceof MessagePort ? t.success(u) : t.failure(u, c, 'not a MessagePort')),
  t.identity,
);

const CheckpointingCodec = t.union([t.literal('exactly-once'), t.literal('at-least-once'), t.literal('at-most-once'), t.null]);

/**
 * Where a task manager's keyed tasks keep their state: in memory, or in Redis, each task with
 * its own connection (`incremental`: the checkpoints are in the same Redis, whose key
 * `checkpointIds` lists them; null: snapshots carry the state).
 */
export const KeyedStateSettingCodec = t.union([
  t.type({ type: t.literal('memory') }),
  t.intersection([
    t.type({ type: t.literal('redis'), url: t.string, keyPrefix: t.string, incremental: t.union([t.type({ checkpointIds: t.string }), t.null]) }),
    /** `fencing`: between instances, the job's epoch key and the epoch the tasks run under (redisFencing.ts). */
    t.partial({ cacheSize: t.number, operationTimeoutMs: t.number, fencing: t.type({ epochKey: t.string, epoch: t.number }) }),
  ]),
]);
export type KeyedStateSetting = t.TypeOf<typeof KeyedStateSettingCodec>;

/**
 * One end of an exchange channel in a task manager: the task's channel index there, and what
 * the channel goes through: a MessagePort to another thread, or Kafka partitions to another
 * instance (TaskManagerRuntime opens it with its `openBridge`).
 */
const PortBridgeCodec = t.type({ task: t.string, channel: t.number, name: t.string, port: PortCodec });
const KafkaBridgeCodec = t.type({ task: t.string, channel: t.number, name: t.string, kafka: KafkaChannelAddressCodec });
/**
 * Between two task managers of one instance: the leader names the channel (`key`, unique per
 * wiring) and the instance's main thread, which sees both commands, makes the MessageChannel
 * and hands each task manager its port in place of this (InstanceThreads). Never reaches a task manager.
 */
const LocalBridgeCodec = t.type({ task: t.string, channel: t.number, name: t.string, local: t.type({ key: t.string, epoch: t.number, attempt: t.number }) });
const BridgeCodec = t.union([PortBridgeCodec, KafkaBridgeCodec, LocalBridgeCodec]);
export type PortBridge = t.TypeOf<typeof PortBridgeCodec>;
export type KafkaBridge = t.TypeOf<typeof KafkaBridgeCodec>;
export type LocalBridge = t.TypeOf<typeof LocalBridgeCodec>;
export type Bridge = t.TypeOf<typeof BridgeCodec>;

/** The master's messages to a task of a task manager, as plain data (the task's ref stays there). */
export const RemoteTaskMsgCodec = t.union([
  t.intersection([t.type({ type: t.literal('checkpoint.trigger'), id: t.number }), t.partial({ suspend: t.boolean })]),
  t.type({ type: t.literal('checkpoint.completed'), id: t.number, final: t.boolean }),
  t.type({ type: t.literal('checkpoint.aborted'), id: t.number }),
  t.type({ type: t.literal('source.end') }),
  t.type({ type: t.literal('task.crash'), reason: t.string }),
]);
export type RemoteTaskMsg = t.TypeOf<typeof RemoteTaskMsgCodec>;

/** Questions a task answers with a value (counters, metrics, hot keys). */
export const QuestionCodec = t.union([t.type({ type: t.literal('task.report') }), t.type({ type: t.literal('task.metrics') }), t.type({ type: t.literal('task.hotKeys'), limit: t.number })]);
export type Question = t.TypeOf<typeof QuestionCodec>;

/** From the job master's thread to a task manager. */
export const TaskManagerCommandCodec = t.union([
  /** `outcome`: between instances, how the job ended (the instance's own handle settles so); threads need none. */
  t.intersection([t.type({ type: t.literal('taskManager.stop') }), t.partial({ outcome: t.union([t.literal('finished'), t.literal('failed'), t.literal('cancelled')]), reason: t.string })]),
  /** Answered at once by `taskManager.pong`, unless the thread's event loop is stuck (hang detection). */
  t.type({ type: t.literal('taskManager.ping') }),
  /**
   * Runs an attempt's tasks placed here: each restored from `restore` (a TaskRestore, or null),
   * wired to the other tasks here by nact refs and to tasks elsewhere by the ports of `outlets`
   * (this task produces) and `inlets` (this task consumes). `epoch`: between instances, the
   * job's epoch the attempt runs under (a writer of an older epoch must not fence its writers).
   */
  t.intersection([
    t.type({
    type: t.literal('taskManager.deploy'),
    attempt: t.number,
    jobId: t.string,
    tasks: t.array(t.type({ id: t.string, restore: t.unknown })),
    checkpointing: CheckpointingCodec,
    unaligned: t.boolean,
    metrics: t.boolean,
    keyedState: KeyedStateSettingCodec,
    outlets: t.array(BridgeCodec),
    inlets: t.array(BridgeCodec),
    }),
    t.partial({ epoch: t.number }),
  ]),
  t.type({ type: t.literal('taskManager.toTask'), attempt: t.number, task: t.string, msg: RemoteTaskMsgCodec }),
  t.type({ type: t.literal('taskManager.ask'), attempt: t.number, task: t.string, request: t.number, question: QuestionCodec }),
  t.type({ type: t.literal('taskManager.stopTask'), attempt: t.number, task: t.string }),
  /** A source's or sink's object in the application's thread replies to its reader or writer in `task` (TaskManagerInstance.reply). */
  t.type({ type: t.literal('taskManager.fromApplication'), attempt: t.number, task: t.string, uid: t.string, message: t.unknown }),
  /**
   * A task of the attempt that failed and closed restarts alone (restartTask) from `restore`:
   * its successor is wired to the tasks here as before and to those elsewhere by new ports.
   */
  t.type({ type: t.literal('taskManager.restartTask'), attempt: t.number, task: t.string, incarnation: t.number, restore: t.unknown, outlets: t.array(BridgeCodec), inlets: t.array(BridgeCodec) }),
  /** A peer elsewhere restarted alone: the tasks here take these new ports on those channels, and close the old ones. */
  t.type({ type: t.literal('taskManager.rebridge'), attempt: t.number, outlets: t.array(BridgeCodec), inlets: t.array(BridgeCodec) }),
  /** The answer to `taskManager.saveProgress` `request`: saved (error null), or why not. */
  t.type({ type: t.literal('taskManager.progressSaved'), request: t.number, error: t.union([t.string, t.null]) }),
]);
export type TaskManagerCommand = t.TypeOf<typeof TaskManagerCommandCodec>;
export type DeployCommand = Extract<TaskManagerCommand, { type: 'taskManager.deploy' }>;
/** The commands that carry channel ends (bridges): a deploy, a task's restart alone, a peer's rebridge. */
export type BridgingCommand = Extract<TaskManagerCommand, { type: 'taskManager.deploy' | 'taskManager.restartTask' | 'taskManager.rebridge' }>;
export function carriesBridges(command: TaskManagerCommand): command is BridgingCommand {
  return command.type === 'taskManager.deploy' || command.type === 'taskManager.restartTask' || command.type === 'taskManager.rebridge';
}

/** An Error as plain data: its class stays behind, what the failover policy reads comes along. */
export const PlainErrorCodec = t.type({ name: t.string, message: t.string, stack: t.union([t.string, t.undefined]), operatorUid: t.union([t.string, t.undefined]) });
export type PlainError = t.TypeOf<typeof PlainErrorCodec>;

const OperatorCountersCodec = t.intersection([t.type({ recordsIn: t.number, recordsOut: t.number }), t.partial({ deadLetters: t.number })]);
export const TaskCountersCodec = t.type({ task: t.string, operators: t.record(t.string, OperatorCountersCodec) });
/** A task's metrics report: its figures are read as numbers where used; the shape is checked down to them. */
export const TaskMetricsReportCodec = t.type({ task: t.string, at: t.number, recordsIn: t.number, recordsOut: t.number, operators: t.array(t.type({ name: t.string })) });

/** A task's reports to the job master, as plain data. */
export const RemoteMasterMsgCodec = t.union([
  t.type({ type: t.literal('task.drained'), report: t.type({ task: t.string, attempt: t.number, snapshot: t.union([TaskSnapshotCodec, t.undefined]) }) }),
  t.type({ type: t.literal('task.finished'), attempt: t.number, report: t.type({ task: t.string, counters: TaskCountersCodec, metrics: TaskMetricsReportCodec }) }),
  t.type({ type: t.literal('task.failed'), attempt: t.number, task: t.string, error: PlainErrorCodec }),
  t.type({ type: t.literal('task.closed'), attempt: t.number, task: t.string }),
]);
export type RemoteMasterMsg = t.TypeOf<typeof RemoteMasterMsgCodec>;

const DeclineReasonCodec = t.type({ _tag: t.union([t.literal('subsumed'), t.literal('taskCheckpointFailed')]), detail: t.string });
/** A task's answers to the checkpoint coordinator. */
export const RemoteCoordinatorMsgCodec = t.union([
  t.type({ type: t.literal('checkpoint.ack'), id: t.number, attempt: t.number, task: t.string, snapshot: TaskSnapshotCodec, alignmentMs: t.number }),
  t.type({ type: t.literal('checkpoint.decline'), id: t.number, attempt: t.number, task: t.string, reason: DeclineReasonCodec }),
]);
export type RemoteCoordinatorMsg = t.TypeOf<typeof RemoteCoordinatorMsgCodec>;

/** From a task manager to the job master's thread. */
export const TaskManagerMsgCodec = t.union([
  /** The job module was imported and the graph built: its shape, to be checked against the master's. */
  t.type({ type: t.literal('taskManager.ready'), index: t.number, shape: PlanShapeCodec }),
  t.type({ type: t.literal('taskManager.pong') }),
  /** The job could not be built in this thread, and why. */
  t.type({ type: t.literal('taskManager.refused'), index: t.number, reason: t.string }),
  t.type({ type: t.literal('taskManager.toMaster'), msg: RemoteMasterMsgCodec }),
  t.type({ type: t.literal('taskManager.toCoordinator'), msg: RemoteCoordinatorMsgCodec }),
  /** The answer to `taskManager.ask` `request` (undefined: the task did not answer in time). */
  t.type({ type: t.literal('taskManager.answer'), request: t.number, answer: t.unknown }),
  /** At-most-once: a source task's position to save in the checkpoint store (the master's) before it emits what it read. */
  t.type({ type: t.literal('taskManager.saveProgress'), request: t.number, attempt: t.number, task: t.string, position: t.unknown }),
  /** What a sink's writer or a source's reader (of `task`, in `attempt`) sends to its object in the application's thread (fromTaskManager), by the node's uid. */
  t.type({ type: t.literal('taskManager.toApplication'), attempt: t.number, task: t.string, uid: t.string, message: t.unknown }),
  /** What the thread used over its life, sent as it stops (taskManagerUsage.ts). */
  t.type({ type: t.literal('taskManager.usage'), usage: TaskManagerUsageCodec }),
  /** Between instances: this task manager's thread ended (crashed, out of heap, terminated); the instance boots another for the next deploy. */
  /** `attempt`: the last it was deployed (an exit the master hears after it deployed a later attempt on the thread booted since is old news). */
  t.intersection([t.type({ type: t.literal('taskManager.exited'), reason: t.string }), t.partial({ attempt: t.number })]),
]);
export type TaskManagerMsg = t.TypeOf<typeof TaskManagerMsgCodec>;
