/**
 * `make bench-latency` (part of `make bench`): end-to-end latency of a keyed job at a fixed
 * input rate — 10,000 events/s and 80% of the job's maximum, measured first in the same run —
 * without checkpoints and with exactly-once checkpoints every second. Each run in a child
 * process of its own (samples/latency/runLatency.ts); prints p50, p99, p99.9 and the maximum,
 * and writes build/latency-results.json.
 *
 * Environment: LATENCY_SECONDS (the length of each paced run, default 10).
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runChild } from '../bench/runChild';
import { whileRunning } from '../common/benchProgress';
import { FIXED_RATE, SHARE_OF_MAX, highRate } from './rates';
import type { CheckpointMode, LatencyRun } from './runLatency';

const SECONDS = Number(process.env.LATENCY_SECONDS ?? 10);
const RESULTS_FILE = path.resolve(__dirname, '..', '..', 'latency-results.json');

/** One run in a child process; on a terminal, a line says which while it runs. */
const run = (rate: number | 'max', checkpoints: CheckpointMode) =>
  whileRunning(`${rate === 'max' ? 'unpaced' : `${rate.toLocaleString('en-US')} events/s`}, checkpoints ${checkpoints}, about ${SECONDS} s:`, () =>
    runChild<LatencyRun>(path.join(__dirname, 'runLatency.js'), [String(rate), checkpoints, String(SECONDS)], { SLUICE_LOG_LEVEL: process.env.SLUICE_LOG_LEVEL ?? 'warn' }),
  );

const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1)).padStart(8);
const loadText = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');

async function main(): Promise<void> {
  if (!(SECONDS > 0)) throw new Error(`LATENCY_SECONDS must be positive, got '${process.env.LATENCY_SECONDS}'`);
  console.log(`End-to-end latency: paced source (p=1) -> keyBy -> count per key (p=2, 10,000 keys) -> sink; ${SECONDS} s per paced run, the first fifth not counted`);
  console.log(`load average before: ${loadText()}`);
  const max = await run('max', 'none');
  const high = highRate(max.achievedPerSecond);
  console.log(`maximum, unpaced, no checkpoints (first record offered to last arrived): ${Math.round(max.achievedPerSecond).toLocaleString('en-US')} events/s; ${SHARE_OF_MAX * 100}% of it: ${high.toLocaleString('en-US')} events/s\n`);
  const runs: LatencyRun[] = [];
  console.log('rate (events/s)  checkpoints    achieved/s   p50 ms   p99 ms p99.9 ms   max ms  ckpts  peak RSS MB');
  for (const rate of [FIXED_RATE, high]) {
    for (const checkpoints of ['none', 'exactly-once'] as const) {
      const r = await run(rate, checkpoints);
      runs.push(r);
      console.log(
        `${rate.toLocaleString('en-US').padStart(15)}  ${checkpoints.padEnd(12)} ${Math.round(r.achievedPerSecond).toLocaleString('en-US').padStart(11)} ${ms(r.p50)} ${ms(r.p99)} ${ms(r.p999)} ${ms(r.max)} ${String(r.completedCheckpoints).padStart(6)} ${r.peakRssMb.toFixed(0).padStart(12)}`,
      );
    }
  }
  console.log(`\nload average after: ${loadText()}`);
  await fs.writeFile(RESULTS_FILE, `${JSON.stringify({ when: new Date().toISOString(), seconds: SECONDS, max, runs }, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
