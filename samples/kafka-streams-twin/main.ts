/**
 * `make bench-kafka-streams`: Sluice beside Apache Kafka Streams on the same broker in one run.
 * One input topic (4 partitions, JSON payments keyed by user) is written once, so both sides
 * read byte-identical records; each run writes its own output topic. Per job (Kafka → map →
 * Kafka, Kafka → keyed running count → Kafka), pairs of runs alternate the two sides:
 * Sluice at parallelism 2 with exactly-once checkpoints every second (sluiceSide.ts), Kafka
 * Streams with 2 stream threads, exactly_once_v2 and commits every second
 * (src/sluice/kstwin/StreamsTwin.java). Each pair runs both sides on the full input and on a
 * quarter of it (a second topic): the differences give steady-state rates, start-up (the
 * JVM's warm-up and group join, Node's module loading) cancelled. After each pair a read_committed Java consumer
 * (OutputCheck.java) checks that both outputs hold the same records per key in the same
 * order; the bench fails loudly if not. Prints the table (events/s, CPU of each side and of
 * the broker during its run, events per CPU-second with and without the broker) and the load
 * average, and writes build/bench-kafka-streams-results.json.
 *
 * Without a broker (`specs/services/kafka.sh address` finds none) it says so, names the
 * command that starts one, and exits 0. Arguments: jobs (default map count). Environment:
 * KSTWIN_EVENTS (default 1000000), KSTWIN_PAIRS (default 2), KSTWIN_JAVA (default java).
 */
import { execFile, spawn } from 'child_process';
import { existsSync, promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCRIPT = path.join(ROOT, 'specs', 'services', 'kafka.sh');
const CACHE = path.join(ROOT, '.cache', 'kafka-streams');
const BROKER_PID_FILE = path.join(ROOT, '.cache', 'kafka', 'run', 'kafka.pid');
const RESULTS_FILE = path.join(ROOT, 'build', 'bench-kafka-streams-results.json');
const INPUT_PARTITIONS = 4;
const OUTPUT_PARTITIONS = 2;
/** A side that takes longer is stopped: something is wrong, not slow. */
const RUN_TIMEOUT_MS = 15 * 60_000;
const JOBS = ['map', 'count'] as const;
type Job = typeof JOBS[number];
type Side = 'sluice' | 'kafka-streams';

interface Run {
  readonly side: Side;
  readonly events: number;
  readonly job: Job;
  readonly pair: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  /** CPU seconds the broker spent during the run; undefined when its pid is not known. */
  readonly brokerCpuSeconds: number | undefined;
}

const payment = (id: number) => ({ id, user: id % 1000, amount: (id % 997) / 7 });

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', (e) => reject(new Error(`cannot start ${command}: ${e.message}`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${signal ?? `code ${code}`}${signal === 'SIGKILL' ? ` (stopped after ${RUN_TIMEOUT_MS / 1000} s)` : ''}`));
    });
  });
}

const lastJsonLine = (out: string) => JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop() ?? 'null') as Record<string, unknown> | null;

/** The broker's CPU seconds so far (utime + stime of /proc/<pid>/stat), when its pid is known. */
function brokerCpuSeconds(): number | undefined {
  try {
    const pid = readFileSync(BROKER_PID_FILE, 'utf8').replace(/\D/g, '');
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // fields 14 and 15 of stat, in clock ticks of 1/100 s
  } catch {
    return undefined;
  }
}

function javaCommand(main: string, args: string[]): [string, string[]] {
  const classpath = [path.join(CACHE, 'classes'), path.join(CACHE, 'libs', '*')].join(path.delimiter);
  return [process.env.KSTWIN_JAVA ?? 'java', ['-cp', classpath, `sluice.kstwin.${main}`, ...args]];
}

async function runSide(side: Side, job: Job, pair: number, events: number, bootstrap: string, input: string, output: string): Promise<Run> {
  const before = brokerCpuSeconds();
  const out =
    side === 'sluice'
      ? await run(process.execPath, [path.join(__dirname, 'sluiceSide.js'), bootstrap, input, output, job], { ...process.env, SLUICE_LOG_LEVEL: process.env.SLUICE_LOG_LEVEL ?? 'warn' })
      : await run(...javaCommand('StreamsTwin', [bootstrap, input, output, job, `${output}-app`]));
  const after = brokerCpuSeconds();
  const figures = lastJsonLine(out);
  if (figures === null) throw new Error(`${side} ${job} printed no result: ${out}`);
  return { side, job, pair, events, seconds: Number(figures.seconds), cpuSeconds: Number(figures.cpuSeconds), peakRssMb: Number(figures.peakRssMb), brokerCpuSeconds: before === undefined || after === undefined ? undefined : after - before };
}

async function createTopics(kafka: Kafka, topics: { topic: string; numPartitions: number }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics, waitForLeaders: true });
  await admin.disconnect();
}

async function writeInput(kafka: Kafka, topic: string, events: number): Promise<void> {
  await createTopics(kafka, [{ topic, numPartitions: INPUT_PARTITIONS }]);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < events; i += 5000) {
    const messages = Array.from({ length: Math.min(5000, events - i) }, (_, j) => ({ key: String((i + j) % 1000), value: JSON.stringify(payment(i + j)) }));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}

/** The version the twin is built with (pom.xml). */
const kafkaStreamsVersion = () => /<kafka\.streams\.version>(.*)<\/kafka\.streams\.version>/.exec(readFileSync(path.join(ROOT, 'samples', 'kafka-streams-twin', 'pom.xml'), 'utf8'))?.[1] ?? '?';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

interface Steady {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly brokerCpuSeconds: number | undefined;
}

/** One side's figures of the events between the short and the full run (start-up cancelled). */
function steady(full: Run, short: Run): Steady {
  const broker = full.brokerCpuSeconds === undefined || short.brokerCpuSeconds === undefined ? undefined : full.brokerCpuSeconds - short.brokerCpuSeconds;
  return { seconds: full.seconds - short.seconds, cpuSeconds: full.cpuSeconds - short.cpuSeconds, brokerCpuSeconds: broker };
}

function table(runs: Run[], events: number, shortEvents: number): string {
  const header = ['job', 'side', 'runs', 'seconds', 'events/s', 'CPU s', 'broker CPU s', 'steady events/s', 'steady events/CPU-s', 'with broker', 'peak RSS MB'];
  const rows: string[][] = [];
  const extra = events - shortEvents;
  for (const job of JOBS) {
    for (const side of ['sluice', 'kafka-streams'] as const) {
      const full = runs.filter((r) => r.job === job && r.side === side && r.events === events);
      if (full.length === 0) continue;
      const steadies = full.map((f) => steady(f, runs.find((r) => r.job === job && r.side === side && r.pair === f.pair && r.events === shortEvents)!));
      const seconds = median(full.map((r) => r.seconds));
      const cpu = median(full.map((r) => r.cpuSeconds));
      const broker = full.every((r) => r.brokerCpuSeconds !== undefined) ? median(full.map((r) => r.brokerCpuSeconds!)) : undefined;
      const steadyRate = median(steadies.map((x) => extra / x.seconds));
      const steadyCpu = median(steadies.map((x) => extra / x.cpuSeconds));
      const steadyWithBroker = steadies.every((x) => x.brokerCpuSeconds !== undefined) ? median(steadies.map((x) => extra / (x.cpuSeconds + x.brokerCpuSeconds!))) : undefined;
      rows.push([job, side, String(full.length), fmt(seconds, 2), fmt(events / seconds), fmt(cpu, 2), fmt(broker, 2), fmt(steadyRate), fmt(steadyCpu), fmt(steadyWithBroker), fmt(Math.max(...full.map((r) => r.peakRssMb)))]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Sluice ÷ Kafka Streams per pair: whole runs by wall clock, and steady state by wall clock and by CPU with the broker's. */
function ratios(runs: Run[], events: number, shortEvents: number): string[] {
  return JOBS.flatMap((job) => {
    const pairs = [...new Set(runs.filter((r) => r.job === job).map((r) => r.pair))];
    if (pairs.length === 0) return [];
    const of = (side: Side, pair: number, n: number) => runs.find((r) => r.job === job && r.side === side && r.pair === pair && r.events === n)!;
    const steadyOf = (side: Side, pair: number) => steady(of(side, pair, events), of(side, pair, shortEvents));
    const list = (xs: number[]) => xs.map((r) => (Number.isFinite(r) ? r.toFixed(2) : '-')).join(', ');
    const whole = pairs.map((p) => of('kafka-streams', p, events).seconds / of('sluice', p, events).seconds);
    const steadyWall = pairs.map((p) => steadyOf('kafka-streams', p).seconds / steadyOf('sluice', p).seconds);
    const steadyCpu = pairs.map((p) => {
      const s = steadyOf('sluice', p);
      const k = steadyOf('kafka-streams', p);
      return s.brokerCpuSeconds === undefined || k.brokerCpuSeconds === undefined ? NaN : (k.cpuSeconds + k.brokerCpuSeconds) / (s.cpuSeconds + s.brokerCpuSeconds);
    });
    return [`${job}: Sluice ÷ Kafka Streams per pair: whole runs ${list(whole)}; steady state ${list(steadyWall)}; steady state per CPU-second, broker included, ${list(steadyCpu)}`];
  });
}

async function main(): Promise<void> {
  const jobs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [...JOBS];
  const unknown = jobs.filter((j) => !(JOBS as readonly string[]).includes(j));
  if (unknown.length > 0) throw new Error(`unknown jobs ${unknown.join(', ')}; known: ${JOBS.join(', ')}`);
  const events = Number(process.env.KSTWIN_EVENTS ?? 1_000_000);
  const pairs = Number(process.env.KSTWIN_PAIRS ?? 2);
  if (!Number.isInteger(events) || events < 1 || !Number.isInteger(pairs) || pairs < 1) throw new Error('KSTWIN_EVENTS and KSTWIN_PAIRS must be positive integers');
  if (!existsSync(path.join(CACHE, 'classes', '.built'))) throw new Error('the Kafka Streams twin is not built: run samples/kafka-streams-twin/build.sh (make bench-kafka-streams does)');
  const address = await new Promise<{ ok: boolean; text: string }>((resolve) => execFile(SCRIPT, ['address'], (error, stdout, stderr) => resolve({ ok: error === null, text: `${stdout}${stderr}`.trim() })));
  if (!address.ok) {
    process.stdout.write(`bench-kafka-streams skipped: no Kafka broker answers (${address.text.split('\n').pop()}). Start one with \`specs/services/kafka.sh start\` and run \`make bench-kafka-streams\` again.\n`);
    return;
  }
  const bootstrap = address.text.split('\n').pop()!;
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'sluice-kstwin', logLevel: logLevel.NOTHING });
  const runId = `kstwin-${Date.now().toString(36)}`;
  const shortEvents = Math.max(1, Math.round(events / 4));
  const inputs = new Map([events, shortEvents].map((n) => [n, `${runId}-in-${n}`]));
  for (const [n, topic] of inputs) {
    process.stderr.write(`writing ${n.toLocaleString('en-US')} payments into ${topic} (${INPUT_PARTITIONS} partitions) on ${bootstrap} ...\n`);
    await writeInput(kafka, topic, n);
  }
  const runs: Run[] = [];
  const loads: number[] = [];
  for (const job of jobs as Job[]) {
    for (let pair = 0; pair < pairs; pair++) {
      for (const [n, input] of inputs) {
        // Alternate which side goes first, so a change of load hits both.
        const order: Side[] = pair % 2 === 0 ? ['sluice', 'kafka-streams'] : ['kafka-streams', 'sluice'];
        const outputs: Record<Side, string> = { sluice: `${runId}-${job}-${pair}-${n}-sluice`, 'kafka-streams': `${runId}-${job}-${pair}-${n}-kstreams` };
        await createTopics(kafka, order.map((side) => ({ topic: outputs[side], numPartitions: OUTPUT_PARTITIONS })));
        for (const side of order) {
          loads.push(os.loadavg()[0]);
          const r = await runSide(side, job, pair, n, bootstrap, input, outputs[side]);
          runs.push(r);
          process.stderr.write(`  ${job} pair ${pair + 1}/${pairs}, ${n.toLocaleString('en-US')} events, ${side}: ${r.seconds.toFixed(2)} s, ${Math.round(n / r.seconds).toLocaleString('en-US')} events/s, CPU ${r.cpuSeconds.toFixed(2)} s, broker CPU ${fmt(r.brokerCpuSeconds, 2)} s\n`);
        }
        const check = lastJsonLine(await run(...javaCommand('OutputCheck', [bootstrap, outputs.sluice, outputs['kafka-streams']])));
        if (check === null || check.equal !== true) throw new Error(`${job} pair ${pair + 1}: the outputs differ (${outputs.sluice} against ${outputs['kafka-streams']}, read_committed): ${JSON.stringify(check)}`);
        process.stderr.write(`  outputs equal (${JSON.stringify(check.counts)} records, read_committed)\n`);
      }
    }
  }
  const load = `load average during the runs: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (${os.cpus().length} cores)`;
  process.stdout.write(
    `\nSluice beside Kafka Streams ${kafkaStreamsVersion()}, ${events.toLocaleString('en-US')} events (steady: the ${(events - shortEvents).toLocaleString('en-US')} beyond a run of ${shortEvents.toLocaleString('en-US')}), exactly-once, 1 s checkpoints / commits, p=2 / 2 threads; medians of ${pairs} runs a side; outputs checked equal (read_committed)\n\n`,
  );
  process.stdout.write(`${table(runs, events, shortEvents)}\n\n${ratios(runs, events, shortEvents).join('\n')}\n${load}\n`);
  await fs.mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await fs.writeFile(RESULTS_FILE, JSON.stringify({ events, shortEvents, pairs, bootstrap, load, runs }, null, 2));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
