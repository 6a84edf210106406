/**
 * The arguments of a script that runs one side of one benchmark in its own process
 * (runCase.ts, threadCpu.ts): `<benchmark id> <sluice|baseline> [events]`, refused with what
 * is wrong. Before it returns, what a job's start loads (src/api/startJob.ts, loaded at the
 * first start) is loaded, as when the API loaded it eagerly: a run measures the job, not
 * module loading.
 */
import { Benchmark, Side } from './cases';
import { allBenchmarks as benchmarks } from './allBenchmarks';

export interface RunArguments {
  readonly benchmark: Benchmark;
  readonly side: Side;
  readonly events: number;
}

export function runArguments(argv: readonly string[]): RunArguments {
  const [id, side, eventsText] = argv;
  const benchmark = benchmarks.find((b) => b.id === id);
  if (benchmark === undefined) throw new Error(`unknown benchmark '${id}'; known: ${benchmarks.map((b) => b.id).join(', ')}`);
  if (side !== 'sluice' && side !== 'baseline') throw new Error(`side must be 'sluice' or 'baseline', got '${side}'`);
  const events = eventsText === undefined ? benchmark.events : Number(eventsText);
  if (!Number.isInteger(events) || events < 1) throw new Error(`events must be a positive integer, got '${eventsText}'`);
  require('../../src/api/startJob');
  return { benchmark, side, events };
}
