/**
 * What a checkpoint is made of, and the codecs that decode one read back from storage (a
 * checkpoint on disk is outside input: it is decoded, never trusted). A stored checkpoint
 * carries the version of its format, checked before anything else is decoded.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import { KeyedStateSnapshotCodec } from '../state/KeyedStateBackend';
import { OperatorStateSnapshotCodec } from '../state/OperatorStateStore';
import type { CheckpointId } from '../state/CheckpointId';

export type { CheckpointId } from '../state/CheckpointId';
export { FINAL_CHECKPOINT, FIRST_CHECKPOINT_ID, nextCheckpointId } from '../state/CheckpointId';

/** Delivery guarantee the checkpoints give (see docs/guarantees.md). */
export type CheckpointingMode = 'exactly-once' | 'at-least-once' | 'at-most-once';

/**
 * A checkpoint id read back: any number, as before ids were branded (the coordinator numbers
 * them from 1; a restore goes on after the stored one).
 */
const CheckpointIdCodec = new t.Type<CheckpointId, number, unknown>(
  'CheckpointId',
  (u): u is CheckpointId => typeof u === 'number',
  (u, c) => (typeof u === 'number' ? t.success(u as CheckpointId) : t.failure(u, c)),
  (id) => id,
);

/** The state of one operator (node) of one task. */
export const NodeSnapshotCodec = t.readonly(
  t.partial({
    keyed: KeyedStateSnapshotCodec,
    operator: OperatorStateSnapshotCodec,
    /** A source's position: decoded by the source itself, which knows its shape. */
    source: t.unknown,
  }),
);
export type NodeSnapshot = t.TypeOf<typeof NodeSnapshotCodec>;

/** Records of one channel with their timestamps (null: none, as JSON has no NaN). */
const ChannelRecordsCodec = t.readonly(t.type({ records: t.readonlyArray(t.unknown), timestamps: t.readonlyArray(t.union([t.number, t.null])) }));
export type ChannelRecords = t.TypeOf<typeof ChannelRecordsCodec>;
/** In-flight records of an unaligned checkpoint: by input channel and by output channel. */
const ChannelStateCodec = t.readonly(t.type({ inputs: t.readonlyArray(ChannelRecordsCodec), outputs: t.readonlyArray(ChannelRecordsCodec) }));
export type ChannelState = t.TypeOf<typeof ChannelStateCodec>;

export const TaskSnapshotCodec = t.intersection([
  t.readonly(
    t.type({
      task: t.string,
      index: t.number,
      parallelism: t.number,
      /** By node uid. */
      nodes: t.readonly(t.record(t.string, NodeSnapshotCodec)),
    }),
  ),
  t.readonly(
    t.partial({
      /** Present for unaligned checkpoints: records in flight at this task, replayed on restore. */
      channels: ChannelStateCodec,
    }),
  ),
]);
export type TaskSnapshot = t.TypeOf<typeof TaskSnapshotCodec>;

export const CompletedCheckpointCodec = t.intersection([
  t.readonly(
    t.type({
      jobId: t.string,
      id: CheckpointIdCodec,
      timestamp: t.number,
      tasks: t.readonlyArray(TaskSnapshotCodec),
    }),
  ),
  t.readonly(
    t.partial({
      /** The number of key groups keyed state was split into; a restore must use the same. */
      maxParallelism: t.number,
    }),
  ),
]);
export type CompletedCheckpoint = t.TypeOf<typeof CompletedCheckpointCodec>;

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
  return right(checkpoint);
}
