/**
 * Runs the Sluice side of one row of `make bench-flink` in this process and prints its figures
 * as one JSON line, the same fields as the Flink twin's (src/sluice/twins/BenchTwin.java):
 * `node build/samples/flink-twins/runSluiceSide.js <row id> <events>`. The jobs are those of
 * samples/bench (cases.ts), so `make bench` and `make bench-flink` measure the same code.
 */
import { benchmarks } from '../bench/cases';
import { SideFigures } from './twinFigures';

async function main(): Promise<void> {
  const [id, eventsText] = process.argv.slice(2);
  const benchmark = benchmarks.find((b) => b.id === id);
  if (benchmark === undefined) throw new Error(`unknown benchmark '${id}'; known: ${benchmarks.map((b) => b.id).join(', ')}`);
  const events = Number(eventsText);
  if (!Number.isInteger(events) || events < 1) throw new Error(`events must be a positive integer, got '${eventsText}'`);

  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const outcome = await benchmark.sluice(events);
  const jobSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const job = process.cpuUsage(cpuBefore);
  const total = process.cpuUsage(); // since the process started: module loading included
  const figures: SideFigures = {
    side: 'sluice',
    benchmark: id,
    events,
    count: outcome.count,
    checksum: outcome.checksum,
    jobSeconds,
    jobCpuSeconds: (job.user + job.system) / 1e6,
    processCpuSeconds: (total.user + total.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024, // maxRSS is in kilobytes
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
