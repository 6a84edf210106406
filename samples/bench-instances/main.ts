/**
 * `make bench-instances` (a line of `make bench`): the cost of running one job over instances
 * (issue 18, docs/cluster.md), on this machine's broker and a redis-server of the bench's own.
 * The job (countInstance.ts) counts clicks per user, Kafka (12 partitions) → keyed count →
 * Kafka exactly-once, parallelism 6, checkpoints every second, on a bounded input written once.
 * It runs as a plain job in one process (`local`, memory state: the cost-of-distribution
 * reference; `local-redis`, keyed state and checkpoints in the Redis), then as 1, 2 and 3
 * instances (processes, `cluster`). Per run it reads the CPU time of every process of the group
 * — the instances, the broker and redis-server — from /proc/<pid>/stat (the instances report
 * their own at their end), Redis's command counts (INFO commandstats) and the exchange topic's
 * records and bytes on disk, over the whole run (start-up, joining and deploy included: the
 * output comes in bursts at commits, so it marks no steady window). The output
 * is read back by Kafka's console consumer in read_committed mode and checked exactly: every
 * user's counts are 1..n once each, n its clicks; the bench fails loudly otherwise. Ratios are
 * against 1 instance of the same run.
 *
 * Without a broker (`specs/services/kafka.sh address` finds none) it says so and exits 0.
 * Arguments: the runs (default local local-redis 1 2 3). Environment: BENCH_INSTANCES_EVENTS
 * (default 100000), BENCH_INSTANCES_REDIS_SERVER (default redis-server), BENCH_INSTANCES_MAKE_EXCHANGE
 * (0: leave the exchange topic to the leader, as a job does).
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PARALLELISM, RUN_NAMES, Result, RunName, USERS, brokerAddress, groupCpuSeconds, runOnce, setUpInstances, stopInstances } from './instanceRuns';

const RESULTS_FILE = path.resolve(__dirname, '..', '..', 'bench-instances-results.json');

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');
const sum = groupCpuSeconds;

function table(results: readonly Result[]): string {
  const baseline = results.find((r) => r.run === '1');
  const perCpu = (r: Result) => r.events / sum(r.wholeCpu);
  const header = ['run', 'procs', 'seconds', 'events/s', 'group CPU s', '(inst/broker/redis)', 'events/CPU-s', 'without broker', '÷ 1 instance', 'redis cmds/rec', 'exch frames/s', 'exch bytes/rec', 'peak RSS MB', 'load'];
  const rows = results.map((r) => [
    r.run,
    String(r.processes),
    fmt(r.wholeSeconds, 1),
    fmt(r.events / r.wholeSeconds),
    fmt(sum(r.wholeCpu), 1),
    `${fmt(r.wholeCpu.instances, 1)}/${fmt(r.wholeCpu.broker, 1)}/${fmt(r.wholeCpu.redis, 1)}`,
    fmt(perCpu(r)),
    fmt(r.events / (r.wholeCpu.instances + r.wholeCpu.redis)),
    baseline === undefined ? '-' : fmt(perCpu(r) / perCpu(baseline), 2),
    fmt(Object.values(r.redisCallsPerRecord).reduce((a, b) => a + b, 0), 3),
    fmt(r.exchange.frames / r.wholeSeconds, 0),
    fmt((r.exchange.frameBytes + r.exchange.demandBytes) / r.events, 1),
    r.peakRssMb.map((m) => fmt(m)).join(', '),
    fmt(r.load, 1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const runs = (process.argv.length > 2 ? process.argv.slice(2) : [...RUN_NAMES]) as RunName[];
  const unknown = runs.filter((r) => !RUN_NAMES.includes(r));
  if (unknown.length > 0) throw new Error(`unknown runs ${unknown.join(', ')}; known: ${RUN_NAMES.join(', ')}`);
  const events = Number(process.env.BENCH_INSTANCES_EVENTS ?? 100_000);
  if (!Number.isInteger(events) || events < USERS) throw new Error(`BENCH_INSTANCES_EVENTS must be an integer of at least ${USERS}`);
  const address = await brokerAddress();
  if ('failure' in address) {
    process.stdout.write(`bench-instances skipped: no Kafka broker answers (${address.failure}). Start one with \`specs/services/kafka.sh start\` and run \`make bench-instances\` again.\n`);
    return;
  }
  const { bootstrap } = address;
  const setup = await setUpInstances(events, bootstrap);
  try {
    const results: Result[] = [];
    let made = 0;
    for (const name of runs) {
      // A tag per run: a run named twice must not reuse the first one's applicationId, whose bounded job is marked finished (docs/cluster.md).
      const r = await runOnce(name, setup, undefined, `-${++made}`);
      results.push(r);
      process.stderr.write(`  ${name}: ${fmt(r.wholeSeconds, 1)} s, ${fmt(r.events / r.wholeSeconds)} events/s, ${fmt(r.events / sum(r.wholeCpu))} events per group CPU-second, output checked (read_committed)\n`);
    }
    const loads = results.map((r) => r.load);
    process.stdout.write(
      `\nOne job over instances (issue 18): ${events.toLocaleString('en-US')} clicks, 12 partitions → keyed count (1,000 users) → Kafka exactly-once, parallelism ${PARALLELISM}, 1 s checkpoints; ` +
        `group = the job's processes + the broker + a redis-server of the bench's own; whole runs, start-up (joining, deploy) included; outputs checked exactly (read_committed)\n\n` +
        `${table(results)}\n\nload average during the runs: ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)} (${os.cpus().length} cores); the broker is shared with whatever else runs\n`,
    );
    for (const r of results) {
      const top = Object.entries(r.redisCallsPerRecord).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([c, n]) => `${c} ${fmt(n, 3)}`).join(', ');
      process.stdout.write(`  ${r.run}: Redis calls per record ${top || 'none'}; exchange ${r.exchange.partitions} partitions, ${fmt(r.exchange.frames)} frames (${fmt(r.exchange.frameBytes / 1024)} KiB), ${fmt(r.exchange.demand)} demand records (${fmt(r.exchange.demandBytes / 1024)} KiB)\n`);
    }
    await fs.mkdir(path.dirname(RESULTS_FILE), { recursive: true });
    await fs.writeFile(RESULTS_FILE, JSON.stringify({ events, bootstrap, results }, null, 2));
  } finally {
    await stopInstances(setup);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
