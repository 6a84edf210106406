/**
 * The runs of make bench-instances (main.ts), each the job's processes over this machine's
 * broker and a redis-server of the bench's own, its group's CPU read from /proc and its output
 * checked exactly; also what make bench-beside runs on two builds.
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
export const INPUT_PARTITIONS = 12;
const OUTPUT_PARTITIONS = 6;
export const PARALLELISM = 6;
export const USERS = 1000;
/** A run that takes longer is stopped: something is wrong, not slow. */
const RUN_TIMEOUT_MS = 10 * 60_000;

/** `1x2`, `2x2`: 1 or 2 instances of 2 task managers (worker threads) each. */
export type RunName = 'local' | 'local-redis' | '1' | '2' | '3' | '1x2' | '2x2';
export const RUN_NAMES: readonly RunName[] = ['local', 'local-redis', '1', '2', '3', '1x2', '2x2'];

interface Point {
  readonly at: number;
  readonly instancesCpu: number;
  readonly brokerCpu: number;
  readonly redisCpu: number;
  readonly redisCalls: Map<string, number>;
  readonly written: number;
}

export interface Result {
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

/**
 * The broker, a redis-server of the bench's own and the input topic, written once: what every
 * run reads. undefined (and why) when no broker answers.
 */
export interface InstancesSetup {
  readonly events: number;
  readonly bootstrap: string;
  readonly input: string;
  readonly redis: { readonly url: string; readonly pid: number; readonly stop: () => Promise<void> };
  readonly runId: string;
  readonly logDir: string;
}

/** The running broker's address, or why none answers (`specs/services/kafka.sh address`). */
export function brokerAddress(): Promise<{ readonly bootstrap: string } | { readonly failure: string }> {
  return new Promise((resolve) =>
    execFile(path.join(ROOT, 'specs', 'services', 'kafka.sh'), ['address'], (error, stdout, stderr) => {
      const last = `${stdout}${stderr}`.trim().split('\n').pop()!;
      resolve(error === null ? { bootstrap: last } : { failure: last });
    }),
  );
}

/** Starts the bench's redis-server and writes `events` clicks into a fresh input topic; `stopInstances` undoes it. */
export async function setUpInstances(events: number, bootstrap: string): Promise<InstancesSetup> {
  const redis = await startPrivateRedis(process.env.BENCH_INSTANCES_REDIS_SERVER ?? 'redis-server');
  try {
    const runId = `bench-inst-${Date.now().toString(36)}`;
    const input = `${runId}-clicks`;
    process.stderr.write(`writing ${events.toLocaleString('en-US')} clicks into ${input} (${INPUT_PARTITIONS} partitions) on ${bootstrap} ...\n`);
    await createTopic(bootstrap, input, INPUT_PARTITIONS);
    await produce(bootstrap, input, Array.from({ length: events }, (_, i) => ({ value: JSON.stringify({ user: i % USERS, page: `/page/${i % 50}` }) })), 5000);
    return { events, bootstrap, input, redis, runId, logDir: logDirOfBroker() };
  } catch (e) {
    await redis.stop();
    throw e;
  }
}

/** Stops what is left of the runs and the bench's redis-server. */
export async function stopInstances(setup: InstancesSetup | undefined): Promise<void> {
  running.forEach((child) => child.kill('SIGKILL'));
  await setup?.redis.stop();
}

/** The CPU seconds of the whole group: instances, broker and redis-server. */
export const groupCpuSeconds = (c: Result['wholeCpu']): number => c.instances + c.broker + c.redis;

/**
 * One run: `name`'s processes, each `node <instanceScript>` (this build's countInstance.js, or
 * another build's: make bench-beside), then its output read back and checked exactly. `tag`
 * tells apart runs of the same name over one setup (their application ids and topics).
 */
export async function runOnce(name: RunName, setup: InstancesSetup, instanceScript = path.join(__dirname, 'countInstance.js'), tag = ''): Promise<Result> {
  const { events, bootstrap, input, logDir } = setup;
  const runId = `${setup.runId}${tag}`;
  const redisUrl = setup.redis.url;
  const redisPid = setup.redis.pid;
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'sluice-bench-instances', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return await measure(name, events, bootstrap, input, redisUrl, redisPid, runId, logDir, admin, redis, instanceScript);
  } finally {
    redis.disconnect();
    await admin.disconnect();
  }
}

async function measure(name: RunName, events: number, bootstrap: string, input: string, redisUrl: string, redisPid: number, runId: string, logDir: string, admin: Admin, redis: Redis, instanceScript: string): Promise<Result> {
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
    const child = spawn(process.execPath, [instanceScript], {
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
