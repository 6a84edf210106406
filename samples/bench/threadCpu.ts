/**
 * Where one run's CPU goes, by thread: `node build/samples/bench/threadCpu.js <benchmark id>
 * <sluice|baseline> [events]` runs one side in this process and prints one JSON line: wall
 * seconds, the CPU seconds of the application's thread, of each task manager's thread (from
 * JobResult.taskManagers) and of the rest — V8's helper threads (garbage collection, background
 * compilation) and libuv's — as the process's CPU less those. Linux only (the application
 * thread's figure is /proc/thread-self/schedstat).
 *
 * With them, the bound that 2 cores set on the task-manager rows: a wall-clock ratio of at most
 * 2r/u, u the cores one thread keeps busy (its whole CPU over its wall time) and r its CPU over
 * that of 2 task managers (docs/benchmarks.md, "Task managers on worker threads").
 */
import { readFileSync } from 'fs';
import { runArguments } from './runArguments';

const threadCpuSeconds = (): number => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e9;
const processCpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function main(): Promise<void> {
  const { benchmark, side, events } = runArguments(process.argv.slice(2));
  const [wall0, main0, process0] = [performance.now(), threadCpuSeconds(), processCpuSeconds()];
  const outcome = await benchmark[side](events);
  const [wall, mainThread, all] = [(performance.now() - wall0) / 1000, threadCpuSeconds() - main0, processCpuSeconds() - process0];
  await outcome.cleanup?.();
  const taskManagers = (outcome.taskManagers ?? []).map((t) => t.cpuSeconds ?? NaN);
  const rest = all - mainThread - taskManagers.reduce((a, b) => a + b, 0);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  process.stdout.write(`${JSON.stringify({ benchmark: benchmark.id, side, events, wallSeconds: round(wall), applicationThread: round(mainThread), taskManagers: taskManagers.map(round), helperThreads: round(rest), total: round(all), coresBusy: round(all / wall) })}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
