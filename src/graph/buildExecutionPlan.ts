/**
 * Validates the logical graph and translates it into the execution plan: resolves
 * parallelism and default partitioning, chains forward edges of equal parallelism, and
 * numbers the channels between tasks. Returns every problem found, never the first only.
 */
import { Either, left, right } from 'fp-ts/Either';
import { ChainedNode, ChannelEnd, ExecutionPlan, OutputEdgePlan, TaskPlan } from './ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';
import { Partitioning, forward, rebalance } from './Partitioning';
import { NodeId, StreamEdge, StreamNode } from './StreamNode';
import { TopologyProblem } from './TopologyProblem';

export interface PlanSettings {
  readonly jobName: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly batchSize: number;
  readonly channelCapacity: number;
  readonly chaining: boolean;
}

interface Vertex {
  readonly id: number;
  readonly nodes: StreamNode[];
  readonly parallelism: number;
}

function effectiveParallelism(node: StreamNode, settings: PlanSettings, resolved: ReadonlyMap<NodeId, number>): number {
  if (node.parallelism !== undefined) return node.parallelism;
  if (node.followsInput === true && node.inputs.length > 0) return resolved.get(node.inputs[0].source) ?? settings.parallelism;
  if (node.role.kind === 'source' && !node.role.source.parallel) return 1;
  return settings.parallelism;
}

/**
 * Each node's uid: the one given with `.uid(...)`, or else `<name>#<n>` for the n-th node of
 * that name (1 for the first) in the order the job creates them. Automatic uids depend on
 * names and their order only, not on node ids, so inserting or removing an operator of
 * another name leaves every other uid as it was (inserting one of the same name before it
 * shifts the count: give such operators uids).
 */
function resolveUids(nodes: readonly StreamNode[]): ReadonlyMap<NodeId, string> {
  const seen = new Map<string, number>();
  const uids = new Map<NodeId, string>();
  for (const node of nodes) {
    const n = (seen.get(node.name) ?? 0) + 1;
    seen.set(node.name, n);
    uids.set(node.id, node.uid ?? `${node.name}#${n}`);
  }
  return uids;
}

function validate(nodes: readonly StreamNode[], parallelism: ReadonlyMap<NodeId, number>, uidOf: ReadonlyMap<NodeId, string>, settings: PlanSettings): TopologyProblem[] {
  const problems: TopologyProblem[] = [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const uids = new Map<string, string[]>();
  for (const node of nodes) {
    problems.push(...node.problems.map((p) => ('operator' in p ? { ...p, operator: node.name } : p)));
    const p = parallelism.get(node.id)!;
    if (!Number.isInteger(p) || p < 1 || p > settings.maxParallelism) {
      problems.push({ _tag: 'ParallelismOutOfRange', operator: node.name, parallelism: p, maxParallelism: settings.maxParallelism });
    } else if (node.role.kind === 'source' && !node.role.source.parallel && p !== 1) {
      problems.push({ _tag: 'NonParallelSource', operator: node.name, parallelism: p });
    }
    const uid = uidOf.get(node.id)!;
    uids.set(uid, [...(uids.get(uid) ?? []), node.name]);
    for (const edge of node.inputs) {
      const upstream = byId.get(edge.source);
      if (edge.tag !== undefined && upstream !== undefined && !upstream.sideOutputs.includes(edge.tag)) {
        problems.push({ _tag: 'UnknownSideOutput', operator: upstream.name, tag: edge.tag, declared: upstream.sideOutputs });
      }
    }
  }
  for (const [uid, operators] of uids) if (operators.length > 1) problems.push({ _tag: 'DuplicateUid', uid, operators });
  if (!nodes.some((n) => n.role.kind === 'sink')) problems.push({ _tag: 'NoSink' });
  return problems;
}

function resolvePartitioning(edge: StreamEdge, upstreamParallelism: number, parallelism: number): Partitioning {
  if (edge.partitioning !== undefined) return edge.partitioning;
  return upstreamParallelism === parallelism ? forward : rebalance;
}

export function buildExecutionPlan(nodes: readonly StreamNode[], settings: PlanSettings): Either<readonly TopologyProblem[], ExecutionPlan> {
  // In node order, which is topological: an input's parallelism is known before its consumer's.
  const parallelism = new Map<NodeId, number>();
  for (const n of nodes) parallelism.set(n.id, effectiveParallelism(n, settings, parallelism));
  const uidOf = resolveUids(nodes);
  const problems = validate(nodes, parallelism, uidOf, settings);
  if (problems.length > 0) return left(problems);

  const consumers = new Map<NodeId, number>();
  for (const node of nodes) for (const e of node.inputs) consumers.set(e.source, (consumers.get(e.source) ?? 0) + 1);

  // Chain a node into its upstream's vertex when the only edge between them is a plain forward edge.
  const vertexOf = new Map<NodeId, Vertex>();
  const vertices: Vertex[] = [];
  for (const node of nodes) {
    const p = parallelism.get(node.id)!;
    const edge = node.inputs.length === 1 ? node.inputs[0] : undefined;
    const upstream = edge && vertexOf.get(edge.source);
    const chainable =
      settings.chaining &&
      edge !== undefined &&
      upstream !== undefined &&
      edge.tag === undefined &&
      consumers.get(edge.source) === 1 &&
      upstream.nodes[upstream.nodes.length - 1].id === edge.source &&
      upstream.parallelism === p &&
      resolvePartitioning(edge, upstream.parallelism, p).kind === 'forward';
    if (chainable) {
      upstream.nodes.push(node);
      vertexOf.set(node.id, upstream);
    } else {
      const vertex: Vertex = { id: vertices.length, nodes: [node], parallelism: p };
      vertices.push(vertex);
      vertexOf.set(node.id, vertex);
    }
  }

  const taskId = (v: Vertex, i: number) => `${v.id}-${i}` as TaskId;
  const inputs = new Map<TaskId, ChannelEnd[]>();
  const outputs = new Map<TaskId, OutputEdgePlan[]>();
  const outputCount = new Map<TaskId, number>();
  for (const v of vertices) {
    for (let i = 0; i < v.parallelism; i++) {
      inputs.set(taskId(v, i), []);
      outputs.set(taskId(v, i), []);
      outputCount.set(taskId(v, i), 0);
    }
  }
  // Number channels edge by edge, in node order, so the numbering is deterministic.
  for (const v of vertices) {
    const head = v.nodes[0];
    for (const edge of head.role.kind === 'source' ? [] : head.inputs) {
      const up = vertexOf.get(edge.source)!;
      const partitioning = resolvePartitioning(edge, up.parallelism, v.parallelism);
      const keyedConsumer = head.role.kind === 'operator' && head.role.keySelector !== undefined;
      for (let u = 0; u < up.parallelism; u++) {
        const upTask = taskId(up, u);
        const targets = partitioning.kind === 'forward' ? [u % v.parallelism] : [...Array(v.parallelism).keys()];
        const channels: ChannelEnd[] = [];
        for (const d of targets) {
          const downTask = taskId(v, d);
          const downInputs = inputs.get(downTask)!;
          const upChannel = outputCount.get(upTask)!;
          outputCount.set(upTask, upChannel + 1);
          downInputs.push({ task: upTask, channel: upChannel });
          channels.push({ task: downTask, channel: downInputs.length - 1 });
        }
        outputs.get(upTask)!.push({ tag: edge.tag, partitioning, keyedConsumer, channels });
      }
    }
  }

  const tasks: TaskPlan[] = [];
  for (const v of vertices) {
    const chain: ChainedNode[] = v.nodes.map((n) => ({
      id: n.id,
      name: n.name,
      uid: uidOf.get(n.id)!,
      explicitUid: n.uid !== undefined,
      factory: n.role.kind === 'source' ? undefined : n.role.factory,
      keySelector: n.role.kind === 'operator' ? n.role.keySelector : undefined,
      isSink: n.role.kind === 'sink',
      sink: n.role.kind === 'sink' ? n.role.sink : undefined,
      supervision: n.supervision,
      retiredState: n.retiredState,
    }));
    const head = v.nodes[0];
    for (let i = 0; i < v.parallelism; i++) {
      const id = taskId(v, i);
      tasks.push({
        id,
        actorName: `task-${v.id}-${i}`,
        vertex: v.id,
        name: v.nodes.map((n) => n.name).join(' -> '),
        index: i,
        parallelism: v.parallelism,
        source: head.role.kind === 'source' ? { node: chain[0], source: head.role.source } : undefined,
        chain: head.role.kind === 'source' ? chain.slice(1) : chain,
        inputs: inputs.get(id)!,
        outputs: outputs.get(id)!,
      });
    }
  }
  return right({
    jobName: settings.jobName,
    maxParallelism: settings.maxParallelism,
    batchSize: settings.batchSize,
    channelCapacity: settings.channelCapacity,
    tasks,
  });
}
