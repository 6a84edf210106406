/**
 * Where completed checkpoints live. `add` makes a checkpoint durable and then, in one atomic
 * step, the latest (docs/internals.md, invariant 4): a crash at any moment leaves the previous one readable.
 */
import { Either } from 'fp-ts/Either';
import { CheckpointId, CompletedCheckpoint } from './CheckpointTypes';

export interface CheckpointStore {
  /** A short description for logs and errors (`memory`, `file:/path`). */
  readonly description: string;
  add(checkpoint: CompletedCheckpoint): Promise<void>;
  /** The latest complete checkpoint, undefined when there is none; Left when it cannot be read. */
  latest(): Promise<Either<string, CompletedCheckpoint | undefined>>;
  /** Ids of the retained checkpoints, oldest first. */
  ids(): Promise<CheckpointId[]>;
  /**
   * At-most-once: records where source task `task` will have read up to, before it emits the
   * records; a restart resumes there, so no record is read twice, even after the process died.
   */
  saveSourceProgress(task: string, position: unknown): Promise<void>;
  /** The last progress saved by each source task. */
  sourceProgress(): Promise<Either<string, ReadonlyMap<string, unknown>>>;
  /** Drops every checkpoint (and saved source progress) of the job. */
  discardAll(): Promise<void>;
}
