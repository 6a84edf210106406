/** Applies the table environment's idle-state retention (Flink's table.exec.state.ttl) to a descriptor. */
import { StateTtlConfig } from '../../state/StateTtlConfig';

export function withRetention<D extends { enableTimeToLive(c: StateTtlConfig): D }>(descriptor: D, retentionMs: number | undefined): D {
  return retentionMs === undefined ? descriptor : descriptor.enableTimeToLive(StateTtlConfig.of(retentionMs));
}

/** Event time far enough away that only the end of a bounded input reaches it: when batch results are emitted. */
export const END_OF_INPUT = Number.MAX_SAFE_INTEGER;
