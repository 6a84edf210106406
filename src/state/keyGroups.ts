/**
 * Key groups: the unit in which keyed state is partitioned and moved (as in Flink's
 * KeyGroupRangeAssignment). A key belongs to exactly one key group; a key group to exactly
 * one parallel instance; instances own contiguous ranges, so rescaling moves whole groups.
 */
import { Key, murmur3 } from './keyHash';
import { keyHashOf } from './keyHashCache';

/** Index of a key group. Invariant: 0 <= keyGroup < maxParallelism. */
export type KeyGroup = number & { readonly __brand: 'KeyGroup' };

/** Inclusive range of key groups owned by one parallel instance. */
export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}

export const DEFAULT_MAX_PARALLELISM = 128;
/** Upper bound on maxParallelism, as in Flink (2^15). */
export const UPPER_BOUND_MAX_PARALLELISM = 32768;

function checkMaxParallelism(maxParallelism: number): void {
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > UPPER_BOUND_MAX_PARALLELISM) {
    throw new RangeError(`maxParallelism must be an integer in 1..${UPPER_BOUND_MAX_PARALLELISM}, got ${maxParallelism}`);
  }
}

function checkParallelism(parallelism: number, maxParallelism: number): void {
  checkMaxParallelism(maxParallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism) {
    throw new RangeError(`parallelism must be an integer in 1..maxParallelism (${maxParallelism}), got ${parallelism}`);
  }
}

/** The key group of a key whose canonical text is already known. */
export function keyGroupOfKeyString(keyString: string, maxParallelism: number): KeyGroup {
  checkMaxParallelism(maxParallelism);
  return (murmur3(keyString) % maxParallelism) as KeyGroup;
}

/** The key group of a key: stable hash modulo maxParallelism. */
export function keyGroupOf(key: Key, maxParallelism: number): KeyGroup {
  checkMaxParallelism(maxParallelism);
  return (keyHashOf(key) % maxParallelism) as KeyGroup;
}

/** The parallel instance that owns a key group: floor(keyGroup * parallelism / maxParallelism). */
export function operatorIndexForKeyGroup(keyGroup: number, parallelism: number, maxParallelism: number): number {
  checkParallelism(parallelism, maxParallelism);
  if (!Number.isInteger(keyGroup) || keyGroup < 0 || keyGroup >= maxParallelism) {
    throw new RangeError(`key group must be an integer in 0..${maxParallelism - 1}, got ${keyGroup}`);
  }
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/**
 * The contiguous range of key groups owned by instance `index` of `parallelism`.
 * Ranges of all instances are disjoint and cover 0..maxParallelism-1; the inverse of
 * {@link operatorIndexForKeyGroup}.
 */
export function keyGroupRangeForOperator(index: number, parallelism: number, maxParallelism: number): KeyGroupRange {
  checkParallelism(parallelism, maxParallelism);
  if (!Number.isInteger(index) || index < 0 || index >= parallelism) {
    throw new RangeError(`operator index must be in 0..${parallelism - 1}, got ${index}`);
  }
  return {
    start: Math.ceil((index * maxParallelism) / parallelism),
    end: Math.ceil(((index + 1) * maxParallelism) / parallelism) - 1,
  };
}
