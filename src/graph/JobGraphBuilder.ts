/**
 * Collects the nodes the API creates, and problems that belong to no single node (a stream
 * of another environment mixed in). Read once at execute to build the execution plan.
 */
import { NodeRole, NodeId, StreamEdge, StreamNode } from './StreamNode';
import { TopologyProblem } from './TopologyProblem';

export interface NodeDraft {
  readonly role: NodeRole;
  readonly name: string;
  readonly inputs: readonly StreamEdge[];
  readonly sideOutputs?: readonly string[];
  readonly parallelism?: number;
  readonly followsInput?: boolean;
  readonly problems?: readonly TopologyProblem[];
}

export class JobGraphBuilder {
  private readonly list: StreamNode[] = [];
  readonly problems: TopologyProblem[] = [];

  add(draft: NodeDraft): StreamNode {
    const node: StreamNode = {
      id: this.list.length as NodeId,
      role: draft.role,
      inputs: draft.inputs,
      sideOutputs: draft.sideOutputs ?? [],
      name: draft.name,
      uid: undefined,
      parallelism: draft.parallelism,
      followsInput: draft.followsInput,
      problems: [...(draft.problems ?? [])],
    };
    this.list.push(node);
    return node;
  }

  /** Forgets every node, as Flink's execute does: the next job starts from an empty graph. */
  clear(): void {
    this.list.length = 0;
    this.problems.length = 0;
  }

  get nodes(): readonly StreamNode[] {
    return this.list;
  }
}
