/**
 * A task's side of checkpoints, once its barrier handler says when: snapshot the operators,
 * the keyed state and the source position; acknowledge to the coordinator or decline; send the
 * barrier (or a cancellation marker) on; and commit once a checkpoint is complete. Exists only
 * with checkpointing on.
 */
import { dispatch } from 'nact';
import { ChainedNode, TaskPlan } from '../graph/ExecutionPlan';
import { KeyedStateBackend } from '../state/KeyedStateBackend';
import { CheckpointId, NodeSnapshot, TaskSnapshot } from '../checkpoint/CheckpointTypes';
import { CoordinatorRef, DeclineReason } from '../checkpoint/coordinatorProtocol';
import { OperatorChain } from './OperatorChain';
import { Buffered, OutputGate } from './OutputGate';
import { SourceDriver } from './SourceDriver';
import { toChannelRecords } from './channelState';

/** The task's keyed operator and its backend. */
export interface KeyedPart {
  readonly node: ChainedNode;
  readonly backend: KeyedStateBackend;
}

export interface TaskCheckpointerParts {
  readonly task: TaskPlan;
  readonly attempt: number;
  readonly coordinator: CoordinatorRef;
  readonly chain: OperatorChain;
  readonly gate: OutputGate;
  readonly keyed: KeyedPart | undefined;
  readonly source: SourceDriver | undefined;
}

export class TaskCheckpointer {
  /** Latest cancellation marker forwarded, so each is forwarded once. */
  private lastCancelForwarded = 0;

  constructor(private readonly parts: TaskCheckpointerParts) {}

  /** Every operator's state, the keyed state and the source position, by node uid. */
  async snapshot(id: CheckpointId): Promise<TaskSnapshot> {
    const { task, chain, keyed, source } = this.parts;
    const operators = await chain.snapshotState(id);
    const nodes: Record<string, NodeSnapshot> = {};
    for (const [uid, operator] of Object.entries(operators)) nodes[uid] = { operator };
    if (keyed !== undefined) nodes[keyed.node.uid] = { ...nodes[keyed.node.uid], keyed: await keyed.backend.snapshot(id) };
    if (task.source !== undefined && source !== undefined) nodes[task.source.node.uid] = { source: source.position(id) };
    return { task: task.id, index: task.index, parallelism: task.parallelism, nodes };
  }

  acknowledge(id: CheckpointId, snapshot: TaskSnapshot, alignmentMs: number): void {
    const { coordinator, attempt, task } = this.parts;
    dispatch(coordinator, { type: 'checkpoint.ack', id, attempt, task: task.id, snapshot, alignmentMs });
  }

  decline(id: CheckpointId, reason: DeclineReason): void {
    const { coordinator, attempt, task } = this.parts;
    dispatch(coordinator, { type: 'checkpoint.decline', id, attempt, task: task.id, reason });
  }

  /** Tells the consumers that checkpoint `id` was abandoned, once per id. */
  forwardCancel(id: CheckpointId): void {
    if (id <= this.lastCancelForwarded) return;
    this.lastCancelForwarded = id;
    this.parts.gate.emitEvent({ type: 'barrier.cancel', id });
  }

  /** Aligned: snapshots, acknowledges, then sends the barrier on: everything emitted before belongs to `id`. */
  async checkpoint(id: CheckpointId, alignmentMs: number): Promise<void> {
    const snapshot = await this.snapshot(id);
    this.acknowledge(id, snapshot, alignmentMs);
    this.parts.gate.emitEvent({ type: 'barrier', id });
  }

  /** Unaligned: snapshots and sends the barrier ahead of the buffered output; returns the records it overtook. */
  async snapshotUnaligned(id: CheckpointId): Promise<{ readonly snapshot: TaskSnapshot; readonly outputs: Buffered[] }> {
    const snapshot = await this.snapshot(id);
    return { snapshot, outputs: this.parts.gate.emitPriorityEvent({ type: 'barrier', id }) };
  }

  /** The coordinator's trigger reaches a source between two polls: the position is exact. */
  async triggerAtSource(source: SourceDriver, id: CheckpointId, suspend: boolean, unaligned: boolean): Promise<void> {
    if (suspend) source.suspend(id);
    if (!unaligned) return this.checkpoint(id, 0);
    const { snapshot, outputs } = await this.snapshotUnaligned(id);
    this.acknowledge(id, { ...snapshot, channels: { inputs: [], outputs: outputs.map(toChannelRecords) } }, 0);
  }

  /**
   * Checkpoint `id` is complete: the source, the operators (a transactional sink commits) and
   * the keyed backend hear it. `operatorsHear`: the id the source and operators are told (the
   * final checkpoint's, for the one a drained task ends at); the backend always hears the real
   * id, as its retention matches it against the store's.
   */
  async commit(id: CheckpointId, operatorsHear: CheckpointId): Promise<void> {
    this.parts.source?.notifyCheckpointComplete(operatorsHear);
    await this.parts.chain.notifyCheckpointComplete(operatorsHear);
    await this.parts.keyed?.backend.notifyCheckpointComplete?.(id);
  }

  aborted(id: CheckpointId): void {
    this.parts.keyed?.backend.notifyCheckpointAborted?.(id);
  }
}
