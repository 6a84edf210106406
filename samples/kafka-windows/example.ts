/**
 * Runs the article's example end to end against a Kafka broker: creates the topics, starts
 * the DataStream job and the SQL job, sends the sensors' readings in (scaled) real time,
 * prints each window as both jobs' results for it become visible, stops the jobs, and checks
 * what a read_committed reader sees in the output topics against the results computed
 * directly from the readings (readings.ts).
 *
 * A straggler is sent only once a read_committed reader sees the result of its sensor's
 * window in both jobs' outputs: that window has fired, so the job's watermark has passed its
 * end and the straggler is late whatever the timing. Ordinary readings are never late: each
 * partition is out of order by less than the bound, and each source instance reads one
 * partition. So the results are the same on every run.
 */
import { isLeft } from 'fp-ts/Either';
import * as t from 'io-ts';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { JobHandle } from '../../src';
import { Topics, averagesPerSensor } from './job';
import { DEFAULT_SIZE, ExampleSize, Expected, PARTITIONS, Reading, START, STRAGGLER_DELAY_MS, Scheduled, SensorAverage, WINDOW_MS, expectedResults, schedule, sqlTimestamp } from './readings';
import { startSqlJob } from './sqlJob';

export interface ExampleOptions {
  readonly bootstrap: string;
  readonly size?: ExampleSize;
  /** Event-time milliseconds sent per wall-clock millisecond (default 10). */
  readonly speed?: number;
  /** Where the summary lines go (default console.log). */
  readonly print?: (line: string) => void;
  /** Longest wait for a result the readings call for (default 60 s). */
  readonly timeoutMs?: number;
}

export interface JobOutput {
  readonly averages: SensorAverage[];
  /** One line per difference from the expected results (missing, duplicated, unexpected or wrong). */
  readonly problems: string[];
}

export interface ExampleReport {
  readonly topics: Topics & { readonly sqlAverages: string };
  readonly expected: Expected;
  readonly dataStream: JobOutput & { readonly late: Reading[] };
  readonly sql: JobOutput;
  readonly passed: boolean;
  readonly seconds: number;
}

const SensorAverageCodec = t.type({ sensor: t.string, window_start: t.string, window_end: t.string, readings: t.number, avg_celsius: t.number });
const ReadingCodec = t.type({ sensor: t.string, ts: t.number, celsius: t.number });

const int = (n: number) => n.toLocaleString('en-US');
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const idOf = (a: { sensor: string; window_start: string }) => `${a.window_start} ${a.sensor}`;

export async function runExample(options: ExampleOptions): Promise<ExampleReport> {
  const { bootstrap, size = DEFAULT_SIZE, speed = 10, print = console.log, timeoutMs = 60_000 } = options;
  const started = Date.now();
  const elapsed = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`;
  const run = Date.now().toString(36);
  const topics = { readings: `readings-${run}`, averages: `averages-${run}`, sqlAverages: `averages-sql-${run}`, late: `late-readings-${run}` };
  const scheduled = schedule(size);
  const expected = expectedResults(scheduled);
  const taken = Math.max(...scheduled.map((s) => s.reading.ts)) + size.periodMs - START;
  const sending = (scheduled[scheduled.length - 1].sendAt - scheduled[0].sendAt) / speed;

  print(`Sluice: the article's job end to end, on the Kafka broker at ${bootstrap}`);
  print(`  ${topics.readings} (${PARTITIONS} partitions): ${size.sensors} sensors, a reading every ${size.periodMs} ms each, ${int(scheduled.length)} readings taken over ${taken / 1000} s of event time, sent in ${(sending / 1000).toFixed(1)} s`);
  print(`    out of order by up to 1.5 s (the watermark's bound is 2 s), and ${expected.late.length} stragglers sent ${STRAGGLER_DELAY_MS / 1000} s late`);
  print(`  DataStream job -> ${topics.averages} (late readings -> ${topics.late});  SQL job -> ${topics.sqlAverages}`);

  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'kafka-windows-example', logLevel: logLevel.NOTHING });
  await createTopics(kafka, Object.values(topics));
  const output = new OutputReader(kafka, topics);
  await output.start();
  const jobs: { name: string; handle: JobHandle }[] = [];
  let failure: Error | undefined;
  const watch = (name: string, handle: JobHandle) => {
    jobs.push({ name, handle });
    handle.result.catch((e: Error) => (failure ??= new Error(`the ${name} job failed: ${e.message}`)));
  };
  const waitFor = async (what: string, done: () => boolean): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (failure !== undefined) throw failure;
      if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000} s waiting for ${what}`);
      await sleep(20);
    }
  };

  // One line per window, once both jobs' results for every sensor are visible to a read_committed reader.
  let windowsShown = 0;
  const showClosedWindows = () => {
    for (;;) {
      const start = sqlTimestamp(START + windowsShown * WINDOW_MS);
      const ds = output.averagesOf('dataStream', start);
      const sql = output.averagesOf('sql', start);
      if (windowsShown >= expected.windows || ds.length < size.sensors || sql.length < size.sensors) return;
      const readings = ds.reduce((n, a) => n + a.readings, 0);
      const avg = ds.reduce((sum, a) => sum + a.avg_celsius * a.readings, 0) / readings;
      const same = compare(ds, sql).problems.length === 0;
      print(
        `${elapsed()} window ${clock(START + windowsShown * WINDOW_MS)}-${clock(START + (windowsShown + 1) * WINDOW_MS)}: ${size.sensors} sensors, ${int(readings)} readings, ` +
          `average ${avg.toFixed(2)} °C; ${same ? 'the SQL job wrote the same' : 'the SQL job wrote something else'}; ${output.late.length} late so far`,
      );
      windowsShown++;
    }
  };
  output.onRecord = showClosedWindows;

  /** Why the run stopped before it could check everything, if it did. */
  const runProblems: string[] = [];
  try {
    const env = averagesPerSensor([bootstrap], topics);
    watch('DataStream', env.execute('averages per sensor'));
    watch('SQL', startSqlJob(bootstrap, { readings: topics.readings, averages: topics.sqlAverages }));

    await sendReadings(kafka, topics.readings, scheduled, speed, (s) =>
      waitFor(`the results of ${s.reading.sensor}'s window before its straggler`, () => {
        const start = sqlTimestamp(s.reading.ts - ((s.reading.ts - START) % WINDOW_MS));
        return output.has('dataStream', s.reading.sensor, start) && output.has('sql', s.reading.sensor, start);
      }),
    );
    print(`${elapsed()} all ${int(scheduled.length)} readings sent`);
    await waitFor(
      `${expected.averages.length} window results in each output and ${expected.late.length} late readings`,
      () => expected.averages.every((a) => output.has('dataStream', a.sensor, a.window_start) && output.has('sql', a.sensor, a.window_start)) && output.late.length >= expected.late.length,
    );
    print(`${elapsed()} stopping the jobs (a job on an unbounded stream runs until it is stopped; the window after the last one stays open)`);
  } catch (e) {
    runProblems.push((e as Error).message);
    print(`${elapsed()} ${(e as Error).message}; stopping the jobs`);
  } finally {
    await Promise.all(jobs.map(({ handle }) => handle.cancel().catch(() => undefined)));
    await output.stop();
  }

  // The verdict: what a read_committed reader saw, against the results computed from the readings.
  const dataStream = { ...compare(expected.averages, output.rows.dataStream), late: output.late };
  dataStream.problems.push(...compareLate(expected.late, output.late));
  const sql = compare(expected.averages, output.rows.sql);
  const passed = runProblems.length === 0 && dataStream.problems.length === 0 && sql.problems.length === 0;
  const seconds = (Date.now() - started) / 1000;
  const n = expected.averages.length;
  print(`Checked with a read_committed reader against the results computed from the readings:`);
  print(`  DataStream: ${n - countWrong(dataStream.problems)} of ${n} window results exact (readings and average); ${output.late.length} of ${expected.late.length} late readings on ${topics.late}`);
  print(`  SQL:        ${n - countWrong(sql.problems)} of ${n} window results exact (its late rows are dropped, as in Flink SQL)`);
  for (const p of [...runProblems, ...dataStream.problems.map((p) => `DataStream: ${p}`), ...sql.problems.map((p) => `SQL: ${p}`)].slice(0, 10)) print(`    ${p}`);
  print(
    passed
      ? `PASS: ${expected.windows} windows x ${size.sensors} sensors exact in both jobs' outputs, each once; ${expected.late.length} late readings on the side output; ${seconds.toFixed(1)} s`
      : `FAIL: ${runProblems.length + dataStream.problems.length + sql.problems.length} problems; ${seconds.toFixed(1)} s`,
  );
  return { topics, expected, dataStream, sql, passed, seconds };
}

async function createTopics(kafka: Kafka, names: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Sends the readings in the order of their `sendAt`, `speed` times faster than real time;
 * before a straggler, waits for `beforeStraggler` (with what was due before it sent).
 */
async function sendReadings(kafka: Kafka, topic: string, scheduled: readonly Scheduled[], speed: number, beforeStraggler: (s: Scheduled) => Promise<void>): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const send = (batch: readonly Scheduled[]) =>
      producer.send({ topic, acks: -1, messages: batch.map(({ reading, partition }) => ({ key: reading.sensor, value: JSON.stringify(reading), partition, timestamp: String(reading.ts) })) });
    const t0 = Date.now();
    const eventClock = () => scheduled[0].sendAt + (Date.now() - t0) * speed;
    let next = 0;
    while (next < scheduled.length) {
      const now = eventClock();
      if (scheduled[next].sendAt > now) await sleep(10);
      else if (scheduled[next].straggler) {
        await beforeStraggler(scheduled[next]);
        await send([scheduled[next++]]);
      } else {
        const batch: Scheduled[] = [];
        while (next < scheduled.length && scheduled[next].sendAt <= now && !scheduled[next].straggler) batch.push(scheduled[next++]);
        await send(batch);
      }
    }
  } finally {
    await producer.disconnect();
  }
}

type JobName = 'dataStream' | 'sql';

/** A read_committed consumer of the output topics, from their beginning. */
class OutputReader {
  readonly rows: Record<JobName, SensorAverage[]> = { dataStream: [], sql: [] };
  readonly late: Reading[] = [];
  /** Called after each record. */
  onRecord: () => void = () => undefined;
  private readonly seen = { dataStream: new Set<string>(), sql: new Set<string>() };
  private readonly consumer: Consumer;
  private lastRecordAt = Date.now();

  constructor(kafka: Kafka, private readonly topics: Topics & { readonly sqlAverages: string }) {
    this.consumer = kafka.consumer({ groupId: `kafka-windows-check-${topics.readings}`, readUncommitted: false, maxWaitTimeInMs: 100 });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topics.averages, this.topics.sqlAverages, this.topics.late], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        this.lastRecordAt = Date.now();
        const value = JSON.parse(message.value?.toString('utf8') ?? 'null') as unknown;
        if (topic === this.topics.late) {
          const r = ReadingCodec.decode(value);
          if (isLeft(r)) throw new Error(`not a reading on ${topic}: ${JSON.stringify(value)}`);
          this.late.push(r.right);
        } else {
          const job: JobName = topic === this.topics.averages ? 'dataStream' : 'sql';
          const a = SensorAverageCodec.decode(value);
          if (isLeft(a)) throw new Error(`not a window result on ${topic}: ${JSON.stringify(value)}`);
          this.rows[job].push(a.right);
          this.seen[job].add(idOf(a.right));
        }
        this.onRecord();
      },
    });
  }

  has(job: JobName, sensor: string, windowStart: string): boolean {
    return this.seen[job].has(`${windowStart} ${sensor}`);
  }

  averagesOf(job: JobName, windowStart: string): SensorAverage[] {
    return this.rows[job].filter((a) => a.window_start === windowStart);
  }

  /** Stops once nothing new has come for a second (as the console consumer's --timeout-ms); call it when the jobs have stopped and the topics are final. */
  async stop(): Promise<void> {
    const asked = Date.now();
    while (Date.now() - Math.max(this.lastRecordAt, asked) < 1_000 && Date.now() - asked < 10_000) await sleep(50);
    await this.consumer.disconnect();
  }
}

/** The differences between the expected results and those read, one line each. */
function compare(expected: readonly SensorAverage[], read: readonly SensorAverage[]): JobOutput {
  const problems: string[] = [];
  const byId = new Map<string, SensorAverage[]>();
  for (const a of read) byId.set(idOf(a), [...(byId.get(idOf(a)) ?? []), a]);
  for (const e of expected) {
    const got = byId.get(idOf(e)) ?? [];
    byId.delete(idOf(e));
    if (got.length === 0) problems.push(`missing: ${e.sensor} ${e.window_start}`);
    else if (got.length > 1) problems.push(`${got.length} results: ${e.sensor} ${e.window_start}`);
    else if (got[0].readings !== e.readings || got[0].avg_celsius !== e.avg_celsius || got[0].window_end !== e.window_end) {
      problems.push(`wrong: ${JSON.stringify(got[0])}, expected ${JSON.stringify(e)}`);
    }
  }
  for (const [id, got] of byId) problems.push(`unexpected: ${id} (${got.length} results)`);
  return { averages: [...read], problems };
}

function compareLate(expected: readonly Reading[], read: readonly Reading[]): string[] {
  const key = (r: Reading) => `${r.sensor} ${r.ts} ${r.celsius}`;
  const want = expected.map(key).sort();
  const got = read.map(key).sort();
  if (JSON.stringify(want) === JSON.stringify(got)) return [];
  return [`late readings: expected ${want.length} (${want.slice(0, 3).join(', ')}...), read ${got.length} (${got.slice(0, 3).join(', ')}...)`];
}

const countWrong = (problems: readonly string[]) => problems.filter((p) => /^(missing|wrong|\d+ results)/.test(p)).length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
