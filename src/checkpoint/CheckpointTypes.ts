/**
 * What a checkpoint is made of, and the codecs that decode one read back from storage (a
 * checkpoint on disk is outside input: it is decoded, never trusted). A stored checkpoint
 * carries the version of its format, checked before anything else is decoded.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import { KeyedStateSnapshot } from '../state/KeyedStateBackend';
import { OperatorStateSnapshot } from '../state/OperatorStateStore';
import type { CheckpointId } from '../state/CheckpointId';

export type { CheckpointId } from '../state/CheckpointId';
export { FINAL_CHECKPOINT, FIRST_CHECKPOINT_ID, nextCheckpointId } from '../state/CheckpointId';

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

/**
 * The version of the stored checkpoint format this Sluice writes, and the only one it restores:
 * the metadata below, the keyed-state entries and Redis state pieces it refers to, and the
 * key-group hash that places keys. A change to any of them that an older Sluice would read
 * wrongly raises this number (a breaking change: docs/versioning.md).
 * Format 1: checkpoints without a version (Sluice 0.1), whose keys were hashed over UTF-16
 * units; format 2 hashes them with MurmurHash3 over UTF-8 bytes, so their key groups differ.
 */
export const CHECKPOINT_FORMAT_VERSION = 2;

/** The format of a checkpoint that names none: written by Sluice 0.1, before the version was stored. */
const UNVERSIONED_FORMAT = 1;

/** A checkpoint as a store writes it: JSON, the format version first. */
export function encodeCompletedCheckpoint(checkpoint: CompletedCheckpoint): string {
  return JSON.stringify({ formatVersion: CHECKPOINT_FORMAT_VERSION, ...checkpoint });
}

/**
 * A stored checkpoint read back (`where` names it in errors: file or key). Left when it is not
 * JSON, has another format version (which is refused before its shape is looked at: a newer
 * format may be valid in a shape this version does not know) or does not have the shape.
 */
export function decodeCompletedCheckpoint(text: string, where: string): Either<string, CompletedCheckpoint> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return left(`checkpoint ${where} is not JSON: ${(e as Error).message}`);
  }
  const version = typeof parsed === 'object' && parsed !== null && 'formatVersion' in parsed ? parsed.formatVersion : UNVERSIONED_FORMAT;
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    return left(
      `checkpoint ${where} has format version ${JSON.stringify(version)}, and this version of Sluice restores format ${CHECKPOINT_FORMAT_VERSION} only: ` +
        `restore it with the Sluice release that wrote it, or start the job without it (another jobId, or discard the job's checkpoints); see docs/versioning.md`,
    );
  }
  const decoded = CompletedCheckpointCodec.decode(parsed);
  if (isLeft(decoded)) return left(`checkpoint ${where} is invalid: ${PathReporter.report(decoded).slice(0, 3).join('; ')}`);
  const { formatVersion: _version, ...checkpoint } = decoded.right as typeof decoded.right & { formatVersion?: unknown };
  return right({ ...checkpoint, id: checkpoint.id as CheckpointId });
}
