import { CheckpointId } from '../../src/state/CheckpointId';

/** Checkpoint `n`'s id, for specs that drive a backend or an operator by hand. */
export const checkpoint = (n: number): CheckpointId => n as CheckpointId;
