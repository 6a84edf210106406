/**
 * Runs the Sluice side of one row of `make bench-flink` in this process and prints its figures
 * as one JSON line, the same fields as the Flink twin's (src/sluice/twins/BenchTwin.java):
 * `node build/samples/flink-twins/runSluiceSide.js <row id> <events>`. The jobs are those of
 * samples/bench (cases.ts), so `make bench` and `make bench-flink` measure the same code.
 * Steady state is measured here, from the moment the generator is about to generate event
 * events/4 (workloads.ts's steadyMark) to the job's end: start-up and warm-up come before it.
 */
import { benchmarks } from '../bench/cases';
import { steadyMark } from '../bench/workloads';
import { SideFigures } from './twinFigures';

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function main(): Promise<void> {
  const [id, eventsText] = process.argv.slice(2);
  const benchmark = benchmarks.find((b) => b.id === id);
  if (benchmark === undefined) throw new Error(`unknown benchmark '${id}'; known: ${benchmarks.map((b) => b.id).join(', ')}`);
  const events = Number(eventsText);
  if (!Number.isInteger(events) || events < 1) throw new Error(`events must be a positive integer, got '${eventsText}'`);

  let mark: { readonly cpu: number; readonly at: bigint } | undefined;
  steadyMark.at = Math.floor(events / 4);
  steadyMark.reached = () => (mark = { cpu: cpuSeconds(), at: process.hrtime.bigint() });
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const outcome = await benchmark.sluice(events);
  const ended = process.hrtime.bigint();
  const job = process.cpuUsage(cpuBefore);
  const total = cpuSeconds(); // since the process started: module loading included
  if (mark === undefined) throw new Error(`${id}: the generator never generated event ${steadyMark.at} (a row with a Flink twin generates with markedTrade)`);
  const figures: SideFigures = {
    side: 'sluice',
    benchmark: id,
    events,
    count: outcome.count,
    checksum: outcome.checksum,
    jobSeconds: Number(ended - started) / 1e9,
    jobCpuSeconds: (job.user + job.system) / 1e6,
    processCpuSeconds: total,
    peakRssMb: process.resourceUsage().maxRSS / 1024, // maxRSS is in kilobytes
    steady: { events: events - steadyMark.at, seconds: Number(ended - mark.at) / 1e9, cpuSeconds: total - mark.cpu },
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
