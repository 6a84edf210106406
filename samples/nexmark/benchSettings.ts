/** Settings the benchmark driver and its runs share. */
import { NexmarkConfig } from './generator';

export const BENCH_CONFIG: Partial<NexmarkConfig> = { seed: 42, eventsPerSecond: 10_000 };
/** Short enough that every run, even on a quiet machine, takes several periodic checkpoints. */
export const CHECKPOINT_INTERVAL_MS = 250;
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
