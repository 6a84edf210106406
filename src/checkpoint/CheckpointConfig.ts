/**
 * Checkpointing settings, Flink's knobs, decoded and checked before the job starts.
 */
import * as t from 'io-ts';
import { Either, isLeft, isRight, left, right } from 'fp-ts/Either';
import { CheckpointingMode } from './CheckpointTypes';

/** The checkpoint settings of a job, as `enableCheckpointing` decoded them. */
export interface CheckpointConfig {
  /** Milliseconds between the start of one checkpoint and the trigger of the next. */
  readonly intervalMs: number;
  readonly mode: CheckpointingMode;
  /** A checkpoint not complete after this long is aborted (default 10 minutes). */
  readonly timeoutMs: number;
  /** At least this long between the end of one checkpoint and the start of the next (default 0). */
  readonly minPauseMs: number;
  /** Checkpoints in progress at once (default 1). */
  readonly maxConcurrent: number;
  /** Failed checkpoints in a row the job tolerates before it fails over (default 0: none). */
  readonly tolerableFailures: number;
  /**
   * Completed checkpoints kept by the store (default 1), as Flink's `state.checkpoints.num-retained`;
   * with incremental snapshots, also every piece their chains reference (docs/redis.md).
   */
  readonly retainedCheckpoints: number;
  /**
   * Exactly-once without alignment: barriers overtake buffered records, which are stored in
   * the checkpoint and replayed on restore, so backpressure does not delay checkpoints
   * (default false). Restoring such a checkpoint needs the same parallelism.
   */
  readonly unaligned: boolean;
}

export const DEFAULT_CHECKPOINT_TIMEOUT_MS = 10 * 60 * 1000;

const nonNegativeInt = new t.Type<number, number, unknown>(
  'non-negative integer',
  (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 0,
  (u, c) => (typeof u === 'number' && Number.isInteger(u) && u >= 0 ? t.success(u) : t.failure(u, c, 'must be a non-negative integer')),
  t.identity,
);
const positiveInt = new t.Type<number, number, unknown>(
  'positive integer',
  (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 1,
  (u, c) => (typeof u === 'number' && Number.isInteger(u) && u >= 1 ? t.success(u) : t.failure(u, c, 'must be a positive integer')),
  t.identity,
);

const CheckpointOptionsCodec = t.partial({
  timeoutMs: positiveInt,
  minPauseMs: nonNegativeInt,
  maxConcurrent: positiveInt,
  tolerableFailures: nonNegativeInt,
  retainedCheckpoints: positiveInt,
  /** The earlier name of retainedCheckpoints, still accepted. */
  retained: positiveInt,
  unaligned: t.boolean,
});

/** The optional settings of `enableCheckpointing`. */
export type CheckpointOptions = Partial<Omit<CheckpointConfig, 'intervalMs' | 'mode'>> & {
  /** @deprecated the earlier name of `retainedCheckpoints`. */
  readonly retained?: number;
};

const MODES: readonly CheckpointingMode[] = ['exactly-once', 'at-least-once', 'at-most-once'];

/** Decodes checkpoint settings; left: every problem found. */
export function decodeCheckpointConfig(intervalMs: unknown, mode: unknown, options: unknown): Either<readonly string[], CheckpointConfig> {
  const problems: string[] = [];
  if (typeof intervalMs !== 'number' || !Number.isInteger(intervalMs) || intervalMs < 1) {
    problems.push(`checkpoint interval ${JSON.stringify(intervalMs)} must be a positive integer of milliseconds`);
  }
  if (!MODES.includes(mode as CheckpointingMode)) problems.push(`checkpointing mode ${JSON.stringify(mode)} must be one of ${MODES.join(', ')}`);
  if ((options as { unaligned?: unknown } | undefined)?.unaligned === true && mode !== 'exactly-once') {
    problems.push(`unaligned checkpoints are an exactly-once technique; mode ${JSON.stringify(mode)} never aligns anyway`);
  }
  const known = Object.keys(CheckpointOptionsCodec.props);
  if (typeof options === 'object' && options !== null) {
    for (const key of Object.keys(options)) if (!known.includes(key)) problems.push(`unknown checkpoint option '${key}' (known: ${known.join(', ')})`);
  }
  const decoded = CheckpointOptionsCodec.decode(options ?? {});
  if (isLeft(decoded)) for (const e of decoded.left) problems.push(`${e.context[1]?.key ?? 'options'}: ${JSON.stringify(e.value)} ${e.message ?? 'is invalid'}`);
  if (isRight(decoded) && decoded.right.retained !== undefined && decoded.right.retainedCheckpoints !== undefined && decoded.right.retained !== decoded.right.retainedCheckpoints) {
    problems.push(`retained (${decoded.right.retained}) and retainedCheckpoints (${decoded.right.retainedCheckpoints}) disagree: give only retainedCheckpoints`);
  }
  if (problems.length > 0 || isLeft(decoded)) return left(problems);
  const o = decoded.right;
  return right({
    intervalMs: intervalMs as number,
    mode: mode as CheckpointingMode,
    timeoutMs: o.timeoutMs ?? DEFAULT_CHECKPOINT_TIMEOUT_MS,
    minPauseMs: o.minPauseMs ?? 0,
    maxConcurrent: o.maxConcurrent ?? 1,
    tolerableFailures: o.tolerableFailures ?? 0,
    retainedCheckpoints: o.retainedCheckpoints ?? o.retained ?? 1,
    unaligned: o.unaligned ?? false,
  });
}
