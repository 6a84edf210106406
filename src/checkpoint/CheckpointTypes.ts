/**
 * What a checkpoint is made of, and the codecs that decode one read back from storage (a
 * checkpoint on disk is outside input: it is decoded, never trusted).
 */
import * as t from 'io-ts';
import { KeyedStateSnapshot } from '../state/KeyedStateBackend';
import { OperatorStateSnapshot } from '../state/OperatorStateStore';

export type CheckpointId = number & { readonly __brand: 'CheckpointId' };

/** Delivery guarantee the checkpoints give (see docs/guarantees.md). */
export type CheckpointingMode = 'exactly-once' | 'at-least-once' | 'at-most-once';

const KeyedStateSnapshotCodec = t.intersection([
  t.type({ keyGroups: t.record(t.string, t.record(t.string, t.array(t.tuple([t.string, t.string])))) }),
  t.partial({ redis: t.type({ space: t.string, chains: t.record(t.string, t.array(t.string)) }) }),
]);

const OperatorStateSnapshotCodec = t.type({ lists: t.record(t.string, t.array(t.string)) });

/** The state of one operator (node) of one task. */
export const NodeSnapshotCodec = t.partial({
  keyed: KeyedStateSnapshotCodec,
  operator: OperatorStateSnapshotCodec,
  /** A source's position: decoded by the source itself, which knows its shape. */
  source: t.unknown,
});
export interface NodeSnapshot {
  readonly keyed?: KeyedStateSnapshot;
  readonly operator?: OperatorStateSnapshot;
  readonly source?: unknown;
}

/** In-flight records of an unaligned checkpoint: by input channel and by output channel. */
const ChannelRecordsCodec = t.type({ records: t.array(t.unknown), timestamps: t.array(t.union([t.number, t.null])) });
const ChannelStateCodec = t.type({ inputs: t.array(ChannelRecordsCodec), outputs: t.array(ChannelRecordsCodec) });
/** Records of one channel with their timestamps (null: none, as JSON has no NaN). */
export interface ChannelRecords {
  readonly records: readonly unknown[];
  readonly timestamps: ReadonlyArray<number | null>;
}
export interface ChannelState {
  readonly inputs: readonly ChannelRecords[];
  readonly outputs: readonly ChannelRecords[];
}

export const TaskSnapshotCodec = t.intersection([
  t.type({
    task: t.string,
    index: t.number,
    parallelism: t.number,
    /** By node uid. */
    nodes: t.record(t.string, NodeSnapshotCodec),
  }),
  t.partial({ channels: ChannelStateCodec }),
]);
export interface TaskSnapshot {
  readonly task: string;
  readonly index: number;
  readonly parallelism: number;
  readonly nodes: { readonly [uid: string]: NodeSnapshot };
  /** Present for unaligned checkpoints: records in flight at this task, replayed on restore. */
  readonly channels?: ChannelState;
}

export const CompletedCheckpointCodec = t.intersection([
  t.type({
    jobId: t.string,
    id: t.number,
    timestamp: t.number,
    tasks: t.array(TaskSnapshotCodec),
  }),
  t.partial({ maxParallelism: t.number }),
]);
export interface CompletedCheckpoint {
  readonly jobId: string;
  readonly id: CheckpointId;
  readonly timestamp: number;
  /** The number of key groups keyed state was split into; a restore must use the same. */
  readonly maxParallelism?: number;
  readonly tasks: readonly TaskSnapshot[];
}

/** The state a new task starts from: each of its nodes' snapshots from every former instance. */
export interface TaskRestore {
  readonly checkpointId: CheckpointId;
  readonly nodes: { readonly [uid: string]: ReadonlyArray<{ readonly index: number; readonly parallelism: number; readonly snapshot: NodeSnapshot }> };
  /** This task's in-flight records of an unaligned checkpoint. */
  readonly channels?: ChannelState;
}
