/**
 * The physical plan: operator chains (vertices), their parallel tasks, and the numbered
 * channels between tasks. Pure data, computed once before the job starts; the job master
 * turns each task into an actor and each channel into refs.
 */
import { Source } from './Source';
import type { Sink } from './Sink';
import { OperatorFactory } from './StreamOperator';
import { KeySelector, Partitioning } from './Partitioning';
import { NodeId } from './StreamNode';
import type { SupervisionStrategy } from './SupervisionStrategy';
import { TaskId } from '../checkpoint/TaskId';
import type { RetiredState } from './RetiredState';

/** One operator in a chain, as the task runs it. */
export interface ChainedNode {
  readonly id: NodeId;
  readonly name: string;
  /** Matches the operator's state in a checkpoint: given by the user, or derived (graph/buildExecutionPlan.ts, resolveUids). */
  readonly uid: string;
  /** False when the uid was derived: a restore after the job changed may not find its state. */
  readonly explicitUid: boolean;
  /** Undefined for a source (the chain's head reads from `source` instead). */
  readonly factory: OperatorFactory | undefined;
  readonly keySelector: KeySelector | undefined;
  readonly isSink: boolean;
  /** The sink object of a sink node, in the thread that built the plan. */
  readonly sink?: Sink<unknown>;
  /** How the operator recovers from a failure of its user code; undefined: restart the job. */
  readonly supervision: SupervisionStrategy | undefined;
  /** State of an earlier shape of the operator, refused at restore (RetiredState.ts). */
  readonly retiredState?: RetiredState;
}

/** One end of a channel: a task and the index of the channel at that task. */
export interface ChannelEnd {
  readonly task: TaskId;
  readonly channel: number;
}

/** The channels of one outgoing edge of a task: where each partition goes. */
export interface OutputEdgePlan {
  readonly tag: string | undefined;
  readonly partitioning: Exclude<Partitioning, { kind: 'forward' }> | { readonly kind: 'forward' };
  /**
   * For a hash edge: whether its consumer is a keyed operator, which fails a record without a key
   * under its own name and supervision. Where it is not (a sink straight after keyBy), the
   * producing task fails the record instead: nothing without a key reaches a sink unnoticed.
   */
  readonly keyedConsumer: boolean;
  /** Downstream ends, indexed by partition (the consumer's instance index, or one for forward). */
  readonly channels: readonly ChannelEnd[];
}

export interface TaskPlan {
  readonly id: TaskId;
  /** Actor name: kebab-case and unique within the job. */
  readonly actorName: string;
  readonly vertex: number;
  readonly name: string;
  readonly index: number;
  readonly parallelism: number;
  /** The source this task reads, with its node; undefined unless the chain starts at a source. */
  readonly source: { readonly node: ChainedNode; readonly source: Source<unknown> } | undefined;
  readonly chain: readonly ChainedNode[];
  /** Input channels, by this task's input channel index: the upstream end of each. */
  readonly inputs: readonly ChannelEnd[];
  /** Output edges; their channels are numbered consecutively in this order. */
  readonly outputs: readonly OutputEdgePlan[];
}

export interface ExecutionPlan {
  readonly jobName: string;
  readonly maxParallelism: number;
  readonly batchSize: number;
  /** Records a consumer may have outstanding per input channel (its initial credit). */
  readonly channelCapacity: number;
  readonly tasks: readonly TaskPlan[];
}

/** The number of output channels of a task (the channels of all its edges). */
export function outputChannelCount(task: TaskPlan): number {
  return task.outputs.reduce((n, e) => n + e.channels.length, 0);
}
