/**
 * The Kafka benchmarks: Kafka → map → Kafka with Sluice (parallelism 2), beside a plain
 * kafkajs consume-transform-produce loop and the same loop on the Apache Kafka Java client
 * (java/, the ceiling of kafkajs), on the same broker in the same run, at-least-once and
 * exactly-once. `prepare` (run once by the driver) finds a broker — the running one, or a
 * private one it starts with specs/services/kafka.sh and stops at exit — writes the input
 * topic and builds the Java loop with Maven; each run reads it all and writes to an output
 * topic of its side. When no broker can be had, the driver prints why and the command that
 * starts one, and runs the other rows; when the Java loop cannot be built, it says why and
 * runs the two other sides.
 */
import { execFile, execFileSync } from 'child_process';
import * as t from 'io-ts';
import { Kafka, Transaction, logLevel } from 'kafkajs';
import { mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointingMode, StreamEnvironment } from '../../src';
import { KafkaSink, KafkaSource, fromKafka } from '../../src/kafka';
import type { Benchmark, PreparedRun } from './cases';
import { Tally, emptyTally } from './workloads';

const SCRIPT = path.resolve(__dirname, '..', '..', '..', 'specs', 'services', 'kafka.sh');
/** Set by `prepare` for the runs' processes: the broker and the topics. */
const CONTEXT_VARIABLE = 'SLUICE_BENCH_KAFKA';
const INPUT_PARTITIONS = 4;
/**
 * Messages per send in the kafkajs loop: Sluice's default batch size. kafkajs 2.2.4 groups a
 * send's messages by partition in time quadratic in their number
 * (producer/groupMessagesPerPartition.js copies the partition's array per message), so a whole
 * fetched batch (thousands of records) in one send spends most of its time there; a user who
 * measured would chunk, and so does the baseline.
 */
const SEND_CHUNK = 1024;
const OUTPUT_PARTITIONS = 2;
/** The loops commit a transaction once it is this old, as Sluice's side checkpoints every second. */
const COMMIT_INTERVAL_MS = 1000;
const JAVA_PROJECT = path.resolve(__dirname, '..', '..', '..', 'samples', 'bench', 'java');
/** Where the Java loop is built (under build/, which `make build` wipes). */
const JAVA_BUILD = path.resolve(__dirname, '..', '..', 'bench-java');

const PaymentCodec = t.type({ id: t.number, user: t.number, amount: t.number });
type Payment = t.TypeOf<typeof PaymentCodec>;
/** The simple map both sides run. */
const toCents = (p: Payment) => ({ id: p.id, user: p.user, cents: Math.round(p.amount * 100) });
const payment = (id: number): Payment => ({ id, user: id % 1000, amount: (id % 997) / 7 });

interface KafkaContext {
  readonly bootstrap: string;
  readonly input: string;
  readonly outputs: Record<'sluice' | 'baseline' | 'reference', string>;
}

const client = (bootstrap: string) => new Kafka({ brokers: [bootstrap], clientId: 'sluice-bench', logLevel: logLevel.NOTHING });

function context(): KafkaContext {
  const text = process.env[CONTEXT_VARIABLE];
  if (text === undefined) throw new Error(`${CONTEXT_VARIABLE} is not set: Kafka benchmarks run under the driver (node build/samples/bench/main.js kafka-at-least-once)`);
  return JSON.parse(text) as KafkaContext;
}

function script(args: string[], env: NodeJS.ProcessEnv): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(SCRIPT, args, { env: { ...process.env, ...env }, timeout: 10 * 60_000 }, (error, stdout, stderr) => resolve({ ok: error === null, stdout: String(stdout), stderr: String(stderr) })),
  );
}

const lastLine = (text: string) => text.trim().split('\n').pop() ?? '';

let broker: Promise<{ bootstrap: string } | { failure: string }> | undefined;

/** The running broker, or a private one started now (stopped when the driver exits). */
function findBroker(): Promise<{ bootstrap: string } | { failure: string }> {
  broker ??= (async () => {
    const running = await script(['address'], {});
    if (running.ok) return { bootstrap: lastLine(running.stdout) };
    const runDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-kafka-'));
    process.stderr.write(`  no Kafka broker runs: starting one for the bench (KAFKA_RUN_DIR=${runDir} specs/services/kafka.sh start)\n`);
    const started = await script(['start'], { KAFKA_RUN_DIR: runDir });
    if (!started.ok) {
      rmSync(runDir, { recursive: true, force: true });
      return { failure: `${lastLine(started.stderr)}. Start a broker with \`specs/services/kafka.sh start\` and run \`make bench\` again` };
    }
    process.on('exit', () => {
      execFileSync(SCRIPT, ['stop'], { env: { ...process.env, KAFKA_RUN_DIR: runDir }, stdio: 'ignore' });
      rmSync(runDir, { recursive: true, force: true });
    });
    return { bootstrap: lastLine(started.stdout) };
  })();
  return broker;
}

/** Writes `events` payments into a fresh input topic (4 partitions) and creates the output topics. */
async function prepare(name: string, events: number): Promise<PreparedRun> {
  const found = await findBroker();
  if ('failure' in found) return { skipped: `no Kafka broker: ${found.failure}` };
  const { bootstrap } = found;
  const run = `bench-${name}-${Date.now().toString(36)}`;
  const ctx: KafkaContext = { bootstrap, input: `${run}-in`, outputs: { sluice: `${run}-sluice`, baseline: `${run}-baseline`, reference: `${run}-java` } };
  const kafka = client(bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: ctx.input, numPartitions: INPUT_PARTITIONS },
      { topic: ctx.outputs.sluice, numPartitions: OUTPUT_PARTITIONS },
      { topic: ctx.outputs.baseline, numPartitions: OUTPUT_PARTITIONS },
      { topic: ctx.outputs.reference, numPartitions: OUTPUT_PARTITIONS },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < events; i += 5000) {
    const messages = Array.from({ length: Math.min(5000, events - i) }, (_, j) => ({ key: String((i + j) % 1000), value: JSON.stringify(payment(i + j)) }));
    await producer.send({ topic: ctx.input, acks: -1, messages });
  }
  await producer.disconnect();
  const built = await buildJavaLoop();
  return { env: { [CONTEXT_VARIABLE]: JSON.stringify(ctx) }, ...(built === undefined ? {} : { referenceSkipped: built }) };
}

let javaBuild: Promise<string | undefined> | undefined;

/**
 * Builds the Java loop once per driver (offline first: the jars it needs are those the broker's
 * were fetched with); undefined when built, else why not.
 */
function buildJavaLoop(): Promise<string | undefined> {
  const mvn = (offline: boolean) =>
    new Promise<{ ok: boolean; output: string }>((resolve) =>
      execFile(
        'mvn',
        [...(offline ? ['-o'] : []), '-q', '-B', '-Dstyle.color=never', `-Dbench.java.dir=${JAVA_BUILD}`, '-f', path.join(JAVA_PROJECT, 'pom.xml'), 'compile', 'dependency:copy-dependencies'],
        { timeout: 10 * 60_000 },
        (error, stdout, stderr) => resolve({ ok: error === null, output: `${stdout}${stderr}` }),
      ),
    );
  javaBuild ??= (async () => {
    const built = (await mvn(true)).ok ? { ok: true, output: '' } : await mvn(false);
    return built.ok ? undefined : `the Java loop did not build (mvn in ${path.relative(process.cwd(), JAVA_PROJECT)}): ${lastLine(built.output.replace(/\x1b\[[0-9;]*m/g, ''))}`;
  })();
  return javaBuild;
}

/** The Java loop's command: the same input, its own output topic. */
function javaLoopCommand(mode: CheckpointingMode, events: number, env: Readonly<Record<string, string>>) {
  const text = env[CONTEXT_VARIABLE];
  if (text === undefined) throw new Error(`${CONTEXT_VARIABLE} is not in the prepared environment`);
  const { bootstrap, input, outputs } = JSON.parse(text) as KafkaContext;
  const classpath = [path.join(JAVA_BUILD, 'classes'), path.join(JAVA_BUILD, 'lib', '*')].join(path.delimiter);
  return { command: 'java', args: ['-cp', classpath, 'sluice.bench.KafkaLoop', bootstrap, input, outputs.reference, String(events), mode, `kafka-${mode}`] };
}

const serialize = (r: ReturnType<typeof toCents>) => ({ key: String(r.user), value: JSON.stringify(r) });

/** Sluice: Kafka source → map → Kafka sink, parallelism 2, checkpoints every second. */
async function sluiceSide(mode: CheckpointingMode): Promise<Tally> {
  const { bootstrap, input, outputs } = context();
  const tally = emptyTally();
  const env = StreamEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(1000, mode);
  const mapped = fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [input], format: { codec: PaymentCodec }, boundedness: 'bounded' })).map((p) => {
    const r = toCents(p);
    tally.count++;
    tally.checksum += r.cents;
    return r;
  });
  if (mode === 'exactly-once') mapped.sinkTo(KafkaSink.exactlyOnce({ brokers: [bootstrap], topic: outputs.sluice, transactionalIdPrefix: `${outputs.sluice}-${process.pid}`, serialize }));
  else mapped.sinkTo(KafkaSink.atLeastOnce({ brokers: [bootstrap], topic: outputs.sluice, serialize }));
  await env.execute(`bench-kafka-${mode}`);
  return tally;
}

/**
 * kafkajs: one consumer in a fresh group (from the beginning), `eachBatch` maps the batch and
 * sends it with acks=all, SEND_CHUNK messages a send. Exactly-once as kafkajs documents it:
 * transactions that also carry the consumed offsets (`sendOffsets`), read_committed, each
 * committed after the first batch that finds it COMMIT_INTERVAL_MS old (and at the end).
 */
async function kafkajsSide(mode: CheckpointingMode, events: number): Promise<Tally> {
  const { bootstrap, input, outputs } = context();
  const tally = emptyTally();
  const kafka = client(bootstrap);
  const groupId = `${outputs.baseline}-${process.pid}`;
  const transactional = mode === 'exactly-once';
  const producer = kafka.producer(transactional ? { transactionalId: groupId, idempotent: true, maxInFlightRequests: 1 } : { idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let transaction: Transaction | undefined;
  let transactionBegun = 0;
  await consumer.run({
    autoCommit: !transactional,
    eachBatch: async ({ batch }) => {
      const messages = batch.messages.map((m) => {
        const r = toCents(JSON.parse(m.value!.toString()) as Payment);
        tally.count++;
        tally.checksum += r.cents;
        return serialize(r);
      });
      if (transactional) {
        if (transaction === undefined) {
          transaction = await producer.transaction();
          transactionBegun = Date.now();
        }
        for (let i = 0; i < messages.length; i += SEND_CHUNK) await transaction.send({ topic: outputs.baseline, messages: messages.slice(i, i + SEND_CHUNK) });
        await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }] }] });
        if (tally.count >= events || Date.now() - transactionBegun >= COMMIT_INTERVAL_MS) {
          await transaction.commit();
          transaction = undefined;
        }
      } else {
        for (let i = 0; i < messages.length; i += SEND_CHUNK) await producer.sendBatch({ acks: -1, topicMessages: [{ topic: outputs.baseline, messages: messages.slice(i, i + SEND_CHUNK) }] });
      }
      if (tally.count >= events) done();
    },
  });
  await finished;
  await consumer.disconnect();
  await producer.disconnect();
  return tally;
}

export const kafkaBenchmarks: readonly Benchmark[] = (['at-least-once', 'exactly-once'] as const).map(
  (mode): Benchmark => ({
    id: `kafka-${mode}`,
    sluiceName: `Kafka → map → Kafka, ${mode}, checkpoints every 1 s, p=2`,
    baselineName: mode === 'exactly-once' ? 'kafkajs loop, transactions of 1 s with sendOffsets' : 'kafkajs loop, eachBatch + sendBatch acks=all',
    parallelism: 2,
    // A few seconds a side on a 2-core VM, broker included.
    events: 200_000,
    aim: 0.5,
    prepare: (events) => prepare(mode, events),
    sluice: () => sluiceSide(mode),
    baseline: (events) => kafkajsSide(mode, events),
    reference: {
      name: mode === 'exactly-once' ? 'Java client loop, transactions of 1 s with sendOffsetsToTransaction' : 'Java client loop, poll + send + flush',
      command: (events, env) => javaLoopCommand(mode, events, env),
    },
  }),
);
