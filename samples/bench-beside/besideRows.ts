/**
 * How make bench-beside runs each row of make bench on a build: through that build's own
 * per-case runner (bench/runCase.js, nexmark/runQuery.js, bench-exchange/runExchange.js,
 * bench-instances/countInstance.js, latency/runLatency.js), each run a process of its own, at
 * this build's event counts, what the rows need first (a service, an input) prepared once by
 * this build's code as its driver does.
 */
import * as path from 'path';
import { runChild } from '../bench/runChild';
import { allBenchmarks } from '../bench/allBenchmarks';
import { benchRedisAnswers, BENCH_REDIS_URL } from '../bench/redisCases';
import type { RunResult } from '../bench/runCase';
import type { ExchangeResult } from '../bench-exchange/runExchange';
import { RECORDS } from '../bench-exchange/settings';
import { InstancesSetup, RunName, brokerAddress, groupCpuSeconds, runOnce, setUpInstances, stopInstances } from '../bench-instances/instanceRuns';
import { FIXED_RATE, highRate } from '../latency/rates';
import type { LatencyRun } from '../latency/runLatency';
import { BENCH_EVENTS, REDIS_URL } from '../nexmark/benchSettings';
import type { QueryId } from '../nexmark/queries';
import type { QueryRun } from '../nexmark/runQuery';
import { redisAnswers } from '../../src/state/redisConnection';
import { median } from '../common/median';
import type { Figure, Sample } from './besideReport';

/** What a row's rounds need: the environment of its runs, or why it cannot run. */
export type Prepared = { readonly env: Readonly<Record<string, string>>; readonly figure?: Figure } | { readonly skipped: string };

export interface BesideRow {
  readonly id: string;
  readonly figure: Figure;
  /** Run once before the row's rounds (the driver's own preparation); `figure` overrides the row's (a rate found then). */
  readonly prepare: (builds: { readonly before: string; readonly after: string }) => Promise<Prepared>;
  readonly run: (build: string, env: Readonly<Record<string, string>>) => Promise<Sample>;
}

const THROUGHPUT: Figure = { name: 'events/s', lowerIsBetter: false };
const RECORDS_PER_SECOND: Figure = { name: 'records/s', lowerIsBetter: false };
const P99: Figure = { name: 'p99 ms', lowerIsBetter: true };
const LATENCY_SECONDS = Number(process.env.LATENCY_SECONDS ?? 10);

const ready = async (): Promise<Prepared> => ({ env: {} });
const script = (build: string, ...parts: string[]) => path.join(build, 'samples', ...parts);

function benchRow(id: string, benchmarkId: string): BesideRow {
  const benchmark = allBenchmarks.find((b) => b.id === benchmarkId);
  if (benchmark === undefined) throw new Error(`this build has no benchmark ${benchmarkId}`);
  return {
    id,
    figure: THROUGHPUT,
    prepare: async () => {
      if (benchmark.needsRedis === true && !(await benchRedisAnswers())) return { skipped: `no Redis answers at ${BENCH_REDIS_URL}` };
      const prepared = benchmark.prepare === undefined ? { env: {} } : await benchmark.prepare(benchmark.events);
      return 'skipped' in prepared ? { skipped: prepared.skipped } : { env: prepared.env };
    },
    run: async (build, env) => {
      const r = await runChild<RunResult>(script(build, 'bench', 'runCase.js'), [benchmark.id, 'sluice', String(benchmark.events)], env);
      return { figure: r.eventsPerSecond, perCpuSecond: r.events / r.cpuSeconds, output: `${r.count} records, checksum ${r.checksum.toPrecision(9)}` };
    },
  };
}

function nexmarkRow(id: string, query: QueryId, backend: 'memory' | 'redis'): BesideRow {
  const events = BENCH_EVENTS[query];
  return {
    id,
    figure: THROUGHPUT,
    prepare: async () => (backend === 'memory' || (await redisAnswers(REDIS_URL)) ? { env: {} } : { skipped: `no Redis answers at ${REDIS_URL}` }),
    run: async (build) => {
      const r = await runChild<QueryRun>(script(build, 'nexmark', 'runQuery.js'), [query, backend, String(events)]);
      return { figure: r.eventsPerSecond, perCpuSecond: r.events / r.cpuSeconds, output: `${r.outputs} outputs` };
    },
  };
}

function exchangeRow(id: string, payload: keyof typeof RECORDS, codec: string, transport: string): BesideRow {
  return {
    id,
    figure: RECORDS_PER_SECOND,
    prepare: ready,
    run: async (build) => {
      const r = await runChild<ExchangeResult>(script(build, 'bench-exchange', 'runExchange.js'), [payload, codec, transport, String(RECORDS[payload])]);
      return { figure: r.recordsPerSecond, perCpuSecond: 1e6 / r.processCpuUs, output: `${r.checksumsMatch ? 'records as sent' : 'RECORDS DIFFER'}, ${r.bytesPerRecord.toFixed(1)} bytes/record` };
    },
  };
}

/** The instance rows share one setup (broker, redis-server, input), made by the first and stopped by `finishRows`. */
let instances: Promise<InstancesSetup | { readonly skipped: string }> | undefined;
const INSTANCE_EVENTS = Number(process.env.BENCH_INSTANCES_EVENTS ?? 100_000);

function instancesRow(id: string, name: RunName): BesideRow {
  let runs = 0;
  return {
    id,
    figure: THROUGHPUT,
    prepare: async () => {
      instances ??= (async () => {
        const address = await brokerAddress();
        return 'failure' in address ? { skipped: `no Kafka broker answers (${address.failure}); start one with specs/services/kafka.sh start` } : setUpInstances(INSTANCE_EVENTS, address.bootstrap);
      })();
      const setup = await instances;
      return 'skipped' in setup ? setup : { env: {} };
    },
    run: async (build) => {
      const setup = await instances!;
      if ('skipped' in setup) throw new Error(setup.skipped);
      const r = await runOnce(name, setup, script(build, 'bench-instances', 'countInstance.js'), `-${++runs}`);
      return { figure: r.events / r.wholeSeconds, perCpuSecond: r.events / groupCpuSeconds(r.wholeCpu), output: `${r.events} counts, read back exact` };
    },
  };
}

/** The unpaced runs' events/s of each build, from the latency/max row; the high rate's rows run at a share of the lower median. */
const unpaced = new Map<string, number[]>();

const runLatency = (build: string, rate: number | 'max', checkpoints: string) =>
  runChild<LatencyRun>(script(build, 'latency', 'runLatency.js'), [String(rate), checkpoints, String(LATENCY_SECONDS)]);

function latencyRow(id: string, rate: 'max' | 'fixed' | 'high', checkpoints: 'none' | 'exactly-once'): BesideRow {
  const rateOf = (env: Readonly<Record<string, string>>) => (rate === 'max' ? 'max' : Number(env.BESIDE_LATENCY_RATE));
  return {
    id,
    figure: rate === 'max' ? THROUGHPUT : P99,
    prepare: async ({ before, after }): Promise<Prepared> => {
      if (rate === 'max') return { env: {} };
      if (rate === 'fixed') return { env: { BESIDE_LATENCY_RATE: String(FIXED_RATE) } };
      for (const build of [before, after]) if (!unpaced.has(build)) unpaced.set(build, [(await runLatency(build, 'max', 'none')).achievedPerSecond]);
      const high = highRate(Math.min(median(unpaced.get(before)!), median(unpaced.get(after)!)));
      return { env: { BESIDE_LATENCY_RATE: String(high) }, figure: { ...P99, name: `p99 ms at ${high.toLocaleString('en-US')}/s` } };
    },
    run: async (build, env) => {
      const r = await runLatency(build, rateOf(env), checkpoints);
      if (rate === 'max') unpaced.set(build, [...(unpaced.get(build) ?? []), r.achievedPerSecond]);
      return rate === 'max' ? { figure: r.achievedPerSecond, perCpuSecond: r.records / r.cpuSeconds, output: `${r.records} records` } : { figure: r.p99, output: `${r.records} records` };
    },
  };
}

/** The runnable row of an id listRows.ts gives. */
export function besideRow(id: string): BesideRow {
  const [driver, a, b, c] = id.split('/');
  switch (driver) {
    case 'bench':
      return benchRow(id, a);
    case 'nexmark':
      return nexmarkRow(id, a as QueryId, b === 'redis' ? 'redis' : 'memory');
    case 'exchange':
      return exchangeRow(id, a as keyof typeof RECORDS, b, c);
    case 'instances':
      return instancesRow(id, a as RunName);
    case 'latency':
      return latencyRow(id, a === 'max' ? 'max' : a === String(FIXED_RATE) ? 'fixed' : 'high', b === 'exactly-once' ? 'exactly-once' : 'none');
    default:
      throw new Error(`no row ${id}`);
  }
}

/** Stops what the rows started (the instance rows' redis-server). */
export async function finishRows(): Promise<void> {
  const setup = await instances;
  if (setup !== undefined && !('skipped' in setup)) await stopInstances(setup);
}
