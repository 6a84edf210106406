/**
 * The logical job graph the API builds: one node per operator the user wrote, with edges to
 * its inputs. Nodes are immutable descriptions except for the settings the fluent API sets
 * right after creating them (name, uid, parallelism). Node ids are in creation order, which
 * is a topological order because an edge always points to an earlier node.
 */
import { Source } from './Source';
import type { Sink } from './Sink';
import { OperatorFactory } from './StreamOperator';
import { KeySelector, Partitioning } from './Partitioning';
import { TopologyProblem } from './TopologyProblem';
import type { SupervisionStrategy } from './SupervisionStrategy';
import type { RetiredState } from './RetiredState';

export type NodeId = number & { readonly __brand: 'NodeId' };

export interface StreamEdge {
  readonly source: NodeId;
  /** The side output this edge carries; undefined for the main output. */
  readonly tag: string | undefined;
  /** Undefined: forward when parallelism is equal, otherwise rebalance (as in Flink). */
  readonly partitioning: Partitioning | undefined;
}

export type NodeRole =
  | { readonly kind: 'source'; readonly source: Source<unknown> }
  | { readonly kind: 'operator'; readonly factory: OperatorFactory; readonly keySelector: KeySelector | undefined }
  /** `sink`: the sink object the application gave, which results of a task manager's writer reach (Sink.fromTaskManager). */
  | { readonly kind: 'sink'; readonly factory: OperatorFactory; readonly sink?: Sink<unknown> };

export interface StreamNode {
  readonly id: NodeId;
  readonly role: NodeRole;
  readonly inputs: readonly StreamEdge[];
  /** Tags of the side outputs this operator may emit. */
  sideOutputs: readonly string[];
  name: string;
  uid: string | undefined;
  /** Undefined: the environment's parallelism (1 for a non-parallel source). */
  parallelism: number | undefined;
  /** Unless set, take the parallelism of the first input (an internal step such as tagging a join's side). */
  readonly followsInput?: boolean;
  /** How the operator recovers from a failure of its user code; undefined: restart the job. */
  supervision?: SupervisionStrategy;
  /** Problems found while the API built the node, reported with all others at execute. */
  readonly problems: TopologyProblem[];
  /** State of an earlier shape of this operator that a restore refuses (graph/RetiredState.ts). */
  retiredState?: RetiredState;
}
