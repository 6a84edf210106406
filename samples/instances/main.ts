/**
 * Runs clicksPerUser.ts as three instances (processes) on the project's Redis and a Kafka broker:
 * makes the topics, writes the clicks, starts the instances, SIGKILLs one half-way (the others
 * take over its slots from the last completed checkpoint), waits until the counts are out, stops
 * the others with SIGTERM, and prints the command that reads the counts with Kafka's console
 * consumer in read_committed mode.
 *
 *   node build/samples/instances/main.js "$(specs/services/kafka.sh start)" redis://127.0.0.1:6379 [clicks]
 */
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const [bootstrap, redis, clicksText = '30000'] = process.argv.slice(2);
  if (bootstrap === undefined || redis === undefined) throw new Error('usage: node build/samples/instances/main.js <bootstrap host:port> <redis://host:port> [clicks]');
  const clicks = Number(clicksText);
  const run = Date.now().toString(36);
  const [input, output, applicationId] = [`clicks-${run}`, `clicks-per-user-${run}`, `clicks-per-user-${run}`];
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'sluice-sample', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: input, numPartitions: 12 }, { topic: output, numPartitions: 2 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < clicks; i += 1000) {
    const messages = Array.from({ length: Math.min(1000, clicks - i) }, (_, j) => ({ value: JSON.stringify({ user: (i + j) % 500, page: `/page/${(i + j) % 50}` }) }));
    await producer.send({ topic: input, acks: -1, messages });
  }
  await producer.disconnect();

  const environment = { ...process.env, SLUICE_APPLICATION_ID: applicationId, SLUICE_REDIS: redis, SLUICE_KAFKA_BROKERS: bootstrap, CLICKS_TOPIC: input, COUNTS_TOPIC: output };
  const start = (id: string): ChildProcess =>
    spawn(process.execPath, [path.join(__dirname, 'clicksPerUser.js')], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...environment, SLUICE_INSTANCE_ID: id } });
  const instances = ['web-1', 'web-2', 'web-3'].map(start);
  // One output record per click: the output's end offset (aborted records and commit markers
  // included) tells how far the job got; once past the clicks and still for 12 s (longer than
  // a take-over: the lease, 6 s by default, and a restore), it is done.
  const written = async () => (await admin.fetchTopicOffsets(output)).reduce((n, o) => n + Number(o.high), 0);
  const deadline = Date.now() + 300_000;
  let killed = false;
  let last = -1;
  let still = 0;
  while (still < 24 && Date.now() < deadline) {
    const now = await written();
    if (!killed && now > clicks / 2) {
      process.stderr.write('sample: SIGKILL web-2\n');
      instances[1].kill('SIGKILL');
      killed = true;
    }
    still = now >= clicks && now === last ? still + 1 : 0;
    last = now;
    await sleep(500);
  }
  await sleep(3000); // two checkpoints: the last counts committed
  for (const instance of instances) instance.kill('SIGTERM');
  await admin.disconnect();
  const read = `java -cp '.cache/kafka/libs/*' org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server ${bootstrap} --topic ${output} --from-beginning --isolation-level read_committed --timeout-ms 5000`;
  process.stderr.write(
    `sample: the counts, read as a read_committed consumer sees them (each user's last count is ${clicks / 500}):\n` +
      `  ${read} | wc -l              # ${clicks}: one count per click\n` +
      `  ${read} | sort | uniq -d | wc -l   # 0: none twice\n`,
  );
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
