/** The paced runs' rates of runLatency.ts (make bench-latency, make bench-beside's latency rows): a fixed one, and a share of the job's unpaced maximum measured first. */
export const FIXED_RATE = 10_000;
export const SHARE_OF_MAX = 0.8;
/** SHARE_OF_MAX of an unpaced run's events/s, to the thousand. */
export const highRate = (maxPerSecond: number): number => Math.round((maxPerSecond * SHARE_OF_MAX) / 1000) * 1000;
