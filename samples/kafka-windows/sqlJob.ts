/**
 * The same job in streaming SQL: a Kafka table with a watermark, a TUMBLE window, and an
 * INSERT INTO a Kafka table (written exactly once, in Kafka transactions, because the job
 * checkpoints exactly-once). Rows later than the watermark are dropped, as in Flink SQL.
 */
import { JobHandle, StreamEnvironment } from '../../src';
import { TableEnvironment } from '../../src/sql';
import { PARTITIONS } from './readings';

export interface SqlTopics {
  readonly readings: string;
  readonly averages: string;
}

export const averagesPerSensorSql = (bootstrap: string, topics: SqlTopics) => [
  `CREATE TABLE readings (
     sensor STRING,
     ts TIMESTAMP(3),
     celsius DOUBLE,
     WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
   ) WITH ('connector' = 'kafka', 'topic' = '${topics.readings}', 'properties.bootstrap.servers' = '${bootstrap}', 'format' = 'json')`,
  `CREATE TABLE averages (
     sensor STRING,
     window_start TIMESTAMP(3),
     window_end TIMESTAMP(3),
     readings BIGINT,
     avg_celsius DOUBLE
   ) WITH ('connector' = 'kafka', 'topic' = '${topics.averages}', 'properties.bootstrap.servers' = '${bootstrap}', 'format' = 'json')`,
  `INSERT INTO averages
   SELECT sensor, window_start, window_end, COUNT(*) AS readings, ROUND(AVG(celsius), 2) AS avg_celsius
   FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '10' SECOND))
   GROUP BY sensor, window_start, window_end`,
];

/** Starts the SQL job; one source instance per partition, as in the DataStream job. */
export function startSqlJob(bootstrap: string, topics: SqlTopics): JobHandle {
  const env = StreamEnvironment.create({ parallelism: PARTITIONS, logging: { pretty: true } });
  env.enableCheckpointing(500, 'exactly-once');
  const tEnv = TableEnvironment.create(env);
  const [createReadings, createAverages, insert] = averagesPerSensorSql(bootstrap, topics);
  tEnv.executeSql(createReadings);
  tEnv.executeSql(createAverages);
  const { jobHandle } = tEnv.executeSql(insert);
  if (jobHandle === undefined) throw new Error('INSERT INTO starts a job');
  return jobHandle;
}
