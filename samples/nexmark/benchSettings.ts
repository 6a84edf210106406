/** Settings the benchmark driver and its runs share. */
import { NexmarkConfig } from './generator';
import type { QueryId } from './queries';

export const BENCH_CONFIG: Partial<NexmarkConfig> = { seed: 42, eventsPerSecond: 10_000 };
/** Short enough that every run, even on a quiet machine, takes several periodic checkpoints. */
export const CHECKPOINT_INTERVAL_MS = 250;
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Events per query of make bench-nexmark (and make bench-beside's Nexmark rows): 2-6 s each on a loaded 2-core machine (several checkpoints each), the whole bench about a minute. */
export const BENCH_EVENTS: Readonly<Record<QueryId, number>> = {
  q0: 2_000_000,
  q1: 2_000_000,
  q2: 2_000_000,
  q3: 2_000_000,
  q4: 1_000_000,
  q5: 150_000,
  q6: 500_000,
  q7: 300_000,
  q8: 1_000_000,
};
