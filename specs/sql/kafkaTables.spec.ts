import { expect } from 'chai';
import { StreamEnvironment } from '../../src';
import { TableEnvironment } from '../../src/sql';
import { kafkaBootstrap } from '../support/kafkaService';
import { createTopic, produce, readCommitted, uniqueTopic, waitForStableOffset } from '../support/kafkaTopics';

const t = (seconds: number) => `2024-01-01 00:00:${String(seconds).padStart(2, '0')}`;

describe('sql: Kafka tables (real broker)', function () {
  this.timeout(120_000);
  let bootstrap: string;
  before(async function () {
    bootstrap = await kafkaBootstrap(this);
  });

  it('reads a topic of JSON rows, aggregates per window, and writes the results to another topic exactly once', async () => {
    const input = uniqueTopic('sql-in');
    const output = uniqueTopic('sql-out');
    await createTopic(bootstrap, input, 2);
    await createTopic(bootstrap, output, 1);
    const rows = [
      { customer: 'ann', amount: 3, ts: t(1) },
      { customer: 'bob', amount: 1, ts: t(2) },
      { customer: 'ann', amount: 2, ts: t(4) },
      { customer: 'cid', amount: 5, ts: t(12) },
      { customer: 'bob', amount: 4, ts: t(13) },
    ];
    await produce(bootstrap, input, [...rows.map((r, i) => ({ key: r.customer, value: JSON.stringify(r), partition: i % 2 })), { value: 'not json', partition: 0 }]);
    await waitForStableOffset(bootstrap, input, 1);

    const env = StreamEnvironment.create({ parallelism: 2 });
    env.enableCheckpointing(100, 'exactly-once');
    const tEnv = TableEnvironment.create(env);
    tEnv.executeSql(`CREATE TABLE purchases (customer STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (
      'connector' = 'kafka', 'topic' = '${input}', 'properties.bootstrap.servers' = '${bootstrap}', 'format' = 'json',
      'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset')`);
    tEnv.executeSql(`CREATE TABLE totals (customer STRING, window_start TIMESTAMP(3), units BIGINT) WITH (
      'connector' = 'kafka', 'topic' = '${output}', 'properties.bootstrap.servers' = '${bootstrap}', 'format' = 'csv')`);
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(chunk), true)) as typeof process.stderr.write;
    try {
      await tEnv
        .executeSql("INSERT INTO totals SELECT customer, window_start, SUM(amount) FROM TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY customer, window_start, window_end")
        .await();
    } finally {
      process.stderr.write = write;
    }
    const written = (await readCommitted(bootstrap, output)).map((r) => r.value).sort();
    expect(written).to.deep.equal([
      'ann,2024-01-01 00:00:00.000,5',
      'bob,2024-01-01 00:00:00.000,1',
      'bob,2024-01-01 00:00:10.000,4',
      'cid,2024-01-01 00:00:10.000,5',
    ]);
    expect(errors.join('')).to.contain('"input":"not json"');
  });
});
