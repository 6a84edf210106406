/**
 * A checkpoint's number, branded so that no other number passes for one. Defined in the state
 * layer, the lowest that names checkpoints (backends snapshot for one); the checkpoint layer,
 * which depends on state, re-exports it with its codecs (checkpoint/CheckpointTypes.ts).
 */

/** A checkpoint's number: 1, 2, … in the order checkpoints are triggered. */
export type CheckpointId = number & { readonly __brand: 'CheckpointId' };

/** The id of a job's first checkpoint. */
export const FIRST_CHECKPOINT_ID = 1 as CheckpointId;

/** The id of the checkpoint triggered after `id`. */
export function nextCheckpointId(id: CheckpointId): CheckpointId {
  return (id + 1) as CheckpointId;
}

/**
 * The id a task's final snapshot uses, taken after its input ended: it precedes no later
 * checkpoint, and its real id comes with its completion.
 */
export const FINAL_CHECKPOINT = Number.MAX_SAFE_INTEGER as CheckpointId;
