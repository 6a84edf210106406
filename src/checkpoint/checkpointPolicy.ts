/**
 * When the coordinator may start a checkpoint, and when failed checkpoints are too many: pure
 * functions of the coordinator's figures and the job's checkpoint configuration.
 */
import { CheckpointConfig } from './CheckpointConfig';
import { CheckpointFailureReason, countsAsFailure } from './checkpointLifecycle';

export interface TriggerFigures {
  /** The job's tasks run and checkpoints are not paused. */
  readonly running: boolean;
  readonly inProgress: number;
  /** When the last checkpoint completed (-Infinity: none yet). */
  readonly lastCompletedAt: number;
}

/**
 * Why no checkpoint may start at `now`, or undefined when one may. `asked`: someone asked for
 * it (triggerCheckpoint, a savepoint), so the min pause does not hold it back; the slots do.
 */
export function whyNotTrigger(config: Pick<CheckpointConfig, 'maxConcurrent' | 'minPauseMs'>, figures: TriggerFigures, now: number, asked: boolean): string | undefined {
  if (!figures.running) return 'the job is not running';
  if (figures.inProgress >= config.maxConcurrent) return `${figures.inProgress} checkpoint(s) already in progress (maxConcurrent ${config.maxConcurrent})`;
  if (!asked && now - figures.lastCompletedAt < config.minPauseMs) return 'min pause not over';
  return undefined;
}

/**
 * Failed checkpoints in a row once another checkpoint ended with `outcome`: a completion starts
 * the count again, an abort that says nothing about checkpointing leaves it. `tooMany`: they
 * exceed the tolerable number, and the job fails over (the count then starts again).
 */
export function failuresInARow(consecutive: number, outcome: 'completed' | CheckpointFailureReason, tolerable: number): { readonly consecutive: number; readonly tooMany: boolean } {
  if (outcome === 'completed') return { consecutive: 0, tooMany: false };
  if (!countsAsFailure(outcome)) return { consecutive, tooMany: false };
  return consecutive + 1 > tolerable ? { consecutive: 0, tooMany: true } : { consecutive: consecutive + 1, tooMany: false };
}
