/**
 * Time-to-live of keyed state values, as in Flink: a value expires `ttl` after it was last
 * written (or also read, with 'OnReadAndWrite'); an expired value is gone for the key. TTL is
 * kept per key (for list and map state, per key, not per element).
 *
 * @example
 * new ValueStateDescriptor('last-seen', Serializers.number)
 *   .enableTimeToLive(StateTtlConfig.of(Time.minutes(30), { updateType: 'OnReadAndWrite' }));
 */
import { Duration, toMillis } from '../time/Time';

/** What renews a value's time to live: writes only (default), or reads too. */
export type TtlUpdateType = 'OnCreateAndWrite' | 'OnReadAndWrite';
/** Whether a value past its time but not cleaned up yet may still be returned. */
export type TtlStateVisibility = 'NeverReturnExpired' | 'ReturnExpiredIfNotCleanedUp';

/** How long keyed state values live (`StateTtlConfig.of(Time.minutes(30))`); see `enableTimeToLive`. */
export interface StateTtlConfig {
  readonly ttlMs: number;
  readonly updateType: TtlUpdateType;
  readonly visibility: TtlStateVisibility;
}

/** Builds a `StateTtlConfig`. */
export const StateTtlConfig = {
  /** Values expire `ttl` after their last write (or read too, with `updateType: 'OnReadAndWrite'`). */
  of(ttl: Duration, options: { updateType?: TtlUpdateType; visibility?: TtlStateVisibility } = {}): StateTtlConfig {
    const ttlMs = toMillis(ttl);
    if (ttlMs <= 0) throw new RangeError('a state time-to-live must be positive');
    return { ttlMs, updateType: options.updateType ?? 'OnCreateAndWrite', visibility: options.visibility ?? 'NeverReturnExpired' };
  },
};
