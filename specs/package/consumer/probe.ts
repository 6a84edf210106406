/**
 * A consumer's program, compiled by specs/package/installedPackage.spec.ts against the
 * installed package (nodenext, skipLibCheck false) twice: as probe.mts (ES module) and as
 * probe.cts (CommonJS). It runs a SQL query, plans a job on a Kafka source (no broker: nothing
 * connects) and prints what it saw as one JSON line.
 */
import { StreamEnvironment } from 'sluice';
import { KafkaSource, kafkaDeadLetters } from 'sluice/kafka';
import type { RedisStateBackendOptions } from 'sluice/redis';
import { TableEnvironment } from 'sluice/sql';

async function main(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 2, logging: { level: 'warn' } });
  const tEnv = TableEnvironment.create(env);
  const words = env.fromCollection([{ word: 'to' }, { word: 'be' }, { word: 'or' }, { word: 'not' }, { word: 'to' }, { word: 'be' }]);
  tEnv.createTemporaryView('words', tEnv.fromDataStream(words, 'word STRING'));
  const rows = await tEnv.sqlQuery("SELECT UPPER(word) AS word FROM words WHERE word <> 'not'").toDataStream().executeAndCollect();

  const kafkaEnv = StreamEnvironment.create({ logging: { level: 'warn' } });
  const source = new KafkaSource<string>({
    brokers: ['127.0.0.1:9'],
    topics: ['probe'],
    format: { deserialize: (r) => (r.value === null ? { _tag: 'Left', left: 'no value' } : { _tag: 'Right', right: r.value.toString('utf8') }) },
  });
  const lines = kafkaEnv.fromKafka(source);
  lines.getSideOutput(kafkaDeadLetters).print();
  lines.print();
  const plan = kafkaEnv.plan('probe');

  const redis: RedisStateBackendOptions = { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: 'probe' };
  console.log(
    JSON.stringify({
      words: (rows as Array<{ word: string }>).map((r) => r.word).sort(),
      kafkaTasks: plan.tasks.map((t) => t.id).sort(),
      redis: redis.type,
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
