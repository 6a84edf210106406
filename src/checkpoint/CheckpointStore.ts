/**
 * Where completed checkpoints live. `add` makes a checkpoint durable and then, in one atomic
 * step, the latest (invariant 4): a crash at any moment leaves the previous one readable.
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
  /** Drops every checkpoint of the job. */
  discardAll(): Promise<void>;
}
