/**
 * The latency table of `make bench-flink`: samples/latency's job and its Flink twin
 * (LatencyTwin.java) at the same fixed input rates — 10,000 events/s and 80% of the lower of
 * the two sides' maxima, measured first in the same run — without checkpoints and with
 * exactly-once checkpoints every second; each run in a child process of its own, the two
 * sides back to back. Flink keeps its default buffer timeout (100 ms): a partly filled network
 * buffer waits at most that long. Writes build/bench-flink-latency.json.
 *
 * Environment: LATENCY_SECONDS (each paced run, default 10), FLINK_TWINS_JAVA (default java).
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCommand } from '../bench/runChild';
import type { CheckpointMode, LatencyRun } from '../latency/runLatency';
import { flinkTwinCommand, requireTwinBuilt } from './flinkCommand';

const SECONDS = Number(process.env.LATENCY_SECONDS ?? 10);
const FIXED_RATE = 10_000;
const SHARE_OF_MAX = 0.8;
const RESULTS_FILE = path.resolve(__dirname, '..', '..', 'bench-flink-latency.json');

type Side = 'sluice' | 'flink';

function run(side: Side, rate: number | 'max', checkpoints: CheckpointMode): Promise<LatencyRun> {
  const args = [String(rate), checkpoints, String(SECONDS)];
  if (side === 'sluice') return runCommand<LatencyRun>(process.execPath, [path.join(__dirname, '..', 'latency', 'runLatency.js'), ...args], { SLUICE_LOG_LEVEL: 'warn' }, `sluice latency ${args.join(' ')}`);
  const { command, args: javaArgs } = flinkTwinCommand('LatencyTwin', args);
  return runCommand<LatencyRun>(command, javaArgs, {}, `flink latency ${args.join(' ')}`);
}

const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1)).padStart(8);
const loadText = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');

async function main(): Promise<void> {
  requireTwinBuilt('LatencyTwin');
  if (!(SECONDS > 0)) throw new Error(`LATENCY_SECONDS must be positive, got '${process.env.LATENCY_SECONDS}'`);
  console.log(`\nEnd-to-end latency beside Flink: paced source (p=1) -> keyBy -> count per key (p=2, 10,000 keys) -> sink; ${SECONDS} s per paced run, the first fifth not counted`);
  console.log(`load average before: ${loadText()}`);
  const maxima = { sluice: await run('sluice', 'max', 'none'), flink: await run('flink', 'max', 'none') };
  const high = Math.round((Math.min(maxima.sluice.achievedPerSecond, maxima.flink.achievedPerSecond) * SHARE_OF_MAX) / 1000) * 1000;
  console.log(`maxima, unpaced (first record offered to last arrived): Sluice ${Math.round(maxima.sluice.achievedPerSecond).toLocaleString('en-US')} events/s, Flink ${Math.round(maxima.flink.achievedPerSecond).toLocaleString('en-US')}; 80% of the lower: ${high.toLocaleString('en-US')}\n`);
  console.log('rate (events/s)  checkpoints   side    achieved/s   p50 ms   p99 ms p99.9 ms   max ms  ckpts  CPU-s');
  const rows: { rate: number; checkpoints: CheckpointMode; sluice: LatencyRun; flink: LatencyRun }[] = [];
  for (const rate of [FIXED_RATE, high]) {
    for (const checkpoints of ['none', 'exactly-once'] as const) {
      const row = { rate, checkpoints, sluice: await run('sluice', rate, checkpoints), flink: await run('flink', rate, checkpoints) };
      rows.push(row);
      for (const side of ['sluice', 'flink'] as const) {
        const r = row[side];
        console.log(
          `${side === 'sluice' ? rate.toLocaleString('en-US').padStart(15) : ''.padStart(15)}  ${side === 'sluice' ? checkpoints.padEnd(12) : ''.padEnd(12)}  ${side.padEnd(6)} ${Math.round(r.achievedPerSecond).toLocaleString('en-US').padStart(11)} ${ms(r.p50)} ${ms(r.p99)} ${ms(r.p999)} ${ms(r.max)} ${String(r.completedCheckpoints).padStart(6)} ${r.cpuSeconds.toFixed(1).padStart(6)}`,
        );
      }
    }
  }
  console.log(`\nlatency: sink arrival minus the time the schedule offered the record (a side behind its schedule shows it). load average after: ${loadText()}`);
  await fs.mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await fs.writeFile(RESULTS_FILE, `${JSON.stringify({ when: new Date().toISOString(), seconds: SECONDS, maxima, rows }, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
