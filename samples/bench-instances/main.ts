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
import { ChildProcess, execFile, spawn } from 'child_process';
import { promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import Redis from 'ioredis';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { clockTicks, processCpuSeconds, startPrivateRedis } from '../flink-twins/privateRedis';
import { createTopic, produce, readCommitted } from '../../specs/support/kafkaTopics';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const KAFKA_RUN = path.join(ROOT, '.cache', 'kafka', 'run');
const RESULTS_FILE = path.join(ROOT, 'build', 'bench-instances-results.json');
const INPUT_PARTITIONS = 12;
const OUTPUT_PARTITIONS = 6;
const PARALLELISM = 6;
const USERS = 1000;
/** A run that takes longer is stopped: something is wrong, not slow. */
const RUN_TIMEOUT_MS = 10 * 60_000;

/** `1x2`, `2x2`: 1 or 2 instances of 2 task managers (worker threads) each. */
type RunName = 'local' | 'local-redis' | '1' | '2' | '3' | '1x2' | '2x2';
const RUN_NAMES: readonly RunName[] = ['local', 'local-redis', '1', '2', '3', '1x2', '2x2'];

interface Point {
  readonly at: number;
  readonly instancesCpu: number;
  readonly brokerCpu: number;
  readonly redisCpu: number;
  readonly redisCalls: Map<string, number>;
  readonly written: number;
}

interface Result {
  readonly run: RunName;
  readonly processes: number;
  readonly events: number;
  readonly load: number;
  readonly wholeSeconds: number;
  readonly wholeCpu: { readonly instances: number; readonly broker: number; readonly redis: number };
  readonly redisCallsPerRecord: Record<string, number>;
  readonly peakRssMb: number[];
  readonly exchange: { readonly frames: number; readonly demand: number; readonly frameBytes: number; readonly demandBytes: number; readonly partitions: number };
}

/** The job's processes still running: stopped when the bench fails, so none outlives it. */
const running = new Set<ChildProcess>();


function brokerPid(): number {
  const pid = Number(readFileSync(path.join(KAFKA_RUN, 'kafka.pid'), 'utf8').replace(/\D/g, ''));
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no broker pid in ${path.join(KAFKA_RUN, 'kafka.pid')}`);
  return pid;
}

/** Calls per command since the server started (INFO commandstats). */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1], Number(m[2]));
  return calls;
}

/** Bytes of the partition's log segments in the broker's log directory (records as stored: batches, headers). */
async function partitionBytes(logDir: string, topic: string, partition: number): Promise<number> {
  const dir = path.join(logDir, `${topic}-${partition}`);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const sizes = await Promise.all(names.filter((n) => n.endsWith('.log')).map(async (n) => (await fs.stat(path.join(dir, n))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

function logDirOfBroker(): string {
  const line = readFileSync(path.join(KAFKA_RUN, 'server.properties'), 'utf8').split('\n').find((l) => l.startsWith('log.dirs='));
  if (line === undefined) throw new Error('the broker\'s server.properties names no log.dirs');
  return line.slice('log.dirs='.length).split(',')[0];
}

/** Every user's counts must be exactly 1..n once each, n its clicks: nothing lost, nothing twice. */
function checkCounts(values: readonly (string | null)[], events: number): void {
  const counts = new Map<number, number[]>();
  for (const v of values) {
    const c = JSON.parse(v ?? 'null') as { user: number; clicks: number };
    (counts.get(c.user) ?? counts.set(c.user, []).get(c.user)!).push(c.clicks);
  }
  const problems: string[] = [];
  if (values.length !== events) problems.push(`${values.length} records, not ${events}`);
  for (let user = 0; user < USERS; user++) {
    const n = Math.floor(events / USERS) + (user < events % USERS ? 1 : 0);
    const seen = (counts.get(user) ?? []).sort((a, b) => a - b);
    if (seen.length !== n || seen.some((c, i) => c !== i + 1)) problems.push(`user ${user}: ${seen.length} counts, expected 1..${n}`);
  }
  if (problems.length > 0) throw new Error(`the output is wrong (read_committed): ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` and ${problems.length - 10} more` : ''}`);
}

async function runOnce(name: RunName, events: number, bootstrap: string, input: string, redisUrl: string, redisPid: number, runId: string, logDir: string): Promise<Result> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'sluice-bench-instances', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return await measure(name, events, bootstrap, input, redisUrl, redisPid, runId, logDir, admin, redis);
  } finally {
    redis.disconnect();
    await admin.disconnect();
  }
}

async function measure(name: RunName, events: number, bootstrap: string, input: string, redisUrl: string, redisPid: number, runId: string, logDir: string, admin: Admin, redis: Redis): Promise<Result> {
  const applicationId = `${runId}-${name}`;
  const output = `${applicationId}-out`;
  await createTopic(bootstrap, output, OUTPUT_PARTITIONS);
  // The exchange topic made beforehand (what the leader would make: two partitions per channel,
  // the keyed edge's PARALLELISM² channels), so that no instance waits for a new topic's leaders
  // while the others join: instances started together hung there (see docs/benchmarks.md).
  if (name !== 'local' && name !== 'local-redis' && process.env.BENCH_INSTANCES_MAKE_EXCHANGE !== '0') await createTopic(bootstrap, `${applicationId}-exchange`, 2 * PARALLELISM * PARALLELISM);
  const processes = name === 'local' || name === 'local-redis' ? 1 : Number(name.split('x')[0]);
  const taskManagers = name.includes('x') ? name.split('x')[1] : '1';
  const broker = brokerPid();
  const ticks = clockTicks();
  // A topic created a moment ago may answer "not the leader" for a while: the last answer stands meanwhile.
  let lastWritten = 0;
  const written = async () => {
    lastWritten = await admin.fetchTopicOffsets(output).then((offsets) => offsets.reduce((n, o) => n + Number(o.high), 0), () => lastWritten);
    return lastWritten;
  };
  const point = async (pids: number[], instancesCpu?: number): Promise<Point> => ({
    at: Date.now(),
    instancesCpu: instancesCpu ?? pids.reduce((s, pid) => s + processCpuSeconds(pid, ticks), 0),
    brokerCpu: processCpuSeconds(broker, ticks),
    redisCpu: processCpuSeconds(redisPid, ticks),
    redisCalls: await commandCalls(redis),
    written: await written(),
  });
  const load = os.loadavg()[0];
  const start = await point([], 0);
  const children: ChildProcess[] = [];
  const reports: Promise<{ status: string; cpuSeconds: number; peakRssMb: number; endedAt: number }>[] = [];
  for (let i = 0; i < processes; i++) {
    const child = spawn(process.execPath, [path.join(__dirname, 'countInstance.js')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        SLUICE_LOG_LEVEL: process.env.SLUICE_LOG_LEVEL ?? 'warn',
        BENCH_MODE: name === 'local' || name === 'local-redis' ? name : 'cluster',
        BENCH_BROKER: bootstrap,
        BENCH_REDIS: redisUrl,
        BENCH_APPLICATION_ID: applicationId,
        BENCH_INSTANCE_ID: `bench-${i + 1}`,
        BENCH_PARALLELISM: String(PARALLELISM),
        BENCH_TASK_MANAGERS: taskManagers,
        BENCH_INPUT: input,
        BENCH_OUTPUT: output,
      },
    });
    children.push(child);
    running.add(child);
    child.on('exit', () => running.delete(child));
    reports.push(
      new Promise((resolve, reject) => {
        let out = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.on('close', (code) => {
          const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
          const report = line === undefined ? undefined : (JSON.parse(line) as { status: string; cpuSeconds: number; peakRssMb: number; endedAt: number });
          if (code === 0 && report?.status === 'finished') resolve(report);
          else reject(new Error(`${name}: process ${i + 1} exited with code ${code}, status ${report?.status ?? 'none'}`));
        });
      }),
    );
  }
  const timer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), RUN_TIMEOUT_MS);
  const ends = await Promise.all(reports).finally(() => clearTimeout(timer));
  const end = await point([], ends.reduce((s, r) => s + r.cpuSeconds, 0));
  const endedAt = Math.max(...ends.map((r) => r.endedAt));
  checkCounts((await readCommitted(bootstrap, output, events)).map((r) => r.value), events);
  const exchangeTopic = `${applicationId}-exchange`;
  const exchangeOffsets = processes > 1 || name === '1' ? await admin.fetchTopicOffsets(exchangeTopic).catch(() => []) : [];
  let frameBytes = 0;
  let demandBytes = 0;
  for (const o of exchangeOffsets) {
    const bytes = await partitionBytes(logDir, exchangeTopic, o.partition);
    if (o.partition % 2 === 0) frameBytes += bytes;
    else demandBytes += bytes;
  }
  const sumOffsets = (even: boolean) => exchangeOffsets.filter((o) => (o.partition % 2 === 0) === even).reduce((s, o) => s + Number(o.high), 0);
  const callsPerRecord: Record<string, number> = {};
  for (const [command, calls] of end.redisCalls) {
    const delta = calls - (start.redisCalls.get(command) ?? 0);
    if (delta > 0) callsPerRecord[command] = delta / events;
  }
  return {
    run: name,
    processes,
    events,
    load,
    wholeSeconds: (endedAt - start.at) / 1000,
    wholeCpu: { instances: end.instancesCpu, broker: end.brokerCpu - start.brokerCpu, redis: end.redisCpu - start.redisCpu },
    redisCallsPerRecord: callsPerRecord,
    peakRssMb: ends.map((r) => r.peakRssMb),
    exchange: { frames: sumOffsets(true), demand: sumOffsets(false), frameBytes, demandBytes, partitions: exchangeOffsets.length },
  };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');
const sum = (c: { instances: number; broker: number; redis: number }) => c.instances + c.broker + c.redis;

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
  const address = await new Promise<{ ok: boolean; text: string }>((resolve) =>
    execFile(path.join(ROOT, 'specs', 'services', 'kafka.sh'), ['address'], (error, stdout, stderr) => resolve({ ok: error === null, text: `${stdout}${stderr}`.trim() })),
  );
  if (!address.ok) {
    process.stdout.write(`bench-instances skipped: no Kafka broker answers (${address.text.split('\n').pop()}). Start one with \`specs/services/kafka.sh start\` and run \`make bench-instances\` again.\n`);
    return;
  }
  const bootstrap = address.text.split('\n').pop()!;
  const redis = await startPrivateRedis(process.env.BENCH_INSTANCES_REDIS_SERVER ?? 'redis-server');
  try {
    const runId = `bench-inst-${Date.now().toString(36)}`;
    const input = `${runId}-clicks`;
    process.stderr.write(`writing ${events.toLocaleString('en-US')} clicks into ${input} (${INPUT_PARTITIONS} partitions) on ${bootstrap} ...\n`);
    await createTopic(bootstrap, input, INPUT_PARTITIONS);
    await produce(bootstrap, input, Array.from({ length: events }, (_, i) => ({ value: JSON.stringify({ user: i % USERS, page: `/page/${i % 50}` }) })), 5000);
    const logDir = logDirOfBroker();
    const results: Result[] = [];
    for (const name of runs) {
      const r = await runOnce(name, events, bootstrap, input, redis.url, redis.pid, runId, logDir);
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
    running.forEach((child) => child.kill('SIGKILL'));
    await redis.stop();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
