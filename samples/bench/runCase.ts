/**
 * Runs one side of one benchmark in this process and prints its figures as one JSON line:
 * `node build/samples/bench/runCase.js <benchmark id> <sluice|baseline> <events>`.
 * The driver (main.ts) starts one process per run so that peak RSS is per run.
 */
import { CheckpointFigures, RunSide } from './cases';
import { runArguments } from './runArguments';
import type { TaskManagerUsage } from '../../src/cluster/taskManagerUsage';

export interface RunResult {
  readonly benchmark: string;
  readonly side: RunSide;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly peakRssMb: number;
  /** User and system CPU time of the run (GC threads included): less sensitive than seconds to other load on the machine. */
  readonly cpuSeconds: number;
  /** Records the sink saw, and a checksum of their values: both sides must agree. */
  readonly count: number;
  readonly checksum: number;
  /** Of a side that checkpoints. */
  readonly checkpoints?: CheckpointFigures;
  /** Of a side on task managers: each one's thread CPU time and peak heap. */
  readonly taskManagers?: readonly TaskManagerUsage[];
}

async function main(): Promise<void> {
  const { benchmark, side, events } = runArguments(process.argv.slice(2));
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const outcome = await benchmark[side](events);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  await outcome.cleanup?.();
  const result: RunResult = {
    benchmark: benchmark.id,
    side,
    events,
    seconds,
    eventsPerSecond: events / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024, // maxRSS is in kilobytes
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    count: outcome.count,
    checksum: outcome.checksum,
    ...(outcome.checkpoints !== undefined ? { checkpoints: outcome.checkpoints } : {}),
    ...(outcome.taskManagers !== undefined ? { taskManagers: outcome.taskManagers } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
