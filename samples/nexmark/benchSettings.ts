/** Settings the benchmark driver and its runs share. */
import { NexmarkConfig } from './generator';

export const BENCH_CONFIG: Partial<NexmarkConfig> = { seed: 42, eventsPerSecond: 10_000 };
export const CHECKPOINT_INTERVAL_MS = 1000;
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
