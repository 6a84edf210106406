import { expect } from 'chai';
import { JobHandle, StreamEnvironment } from '../../src';
import { TableEnvironment } from '../../src/sql';
import { right } from 'fp-ts/Either';
import { KafkaSink } from '../../src/connectors/kafka/KafkaSink';
import { KafkaSource } from '../../src/connectors/kafka/KafkaSource';
import { fromKafka } from '../../src/api/fromKafka';
import { Sink } from '../../src/graph/Sink';
import { kafkaBootstrap } from '../support/kafkaService';
import { createTopic, endOffsets, uniqueTopic } from '../support/kafkaTopics';
import { outcomeWithin } from '../support/outcomeWithin';
import { dropPrefix, redisUrl, startOwnRedis, uniquePrefix } from '../support/redisService';
import { SilentServer, closedPort } from '../support/silentServer';

/**
 * A job waits on Kafka and Redis only within bounds: a missing topic, or a service out of
 * reach, fails the job in bounded time with an error naming the topic or the server, even
 * with checkpointing on, whose default restart strategy would otherwise restart for ever.
 */

/** The bound these specs configure (operationTimeoutMs), short to keep the suite fast. */
const BOUND_MS = 1500;
/** How long a spec waits for the outcome: the bound, plus teardown on a loaded machine. */
const PATIENCE_MS = BOUND_MS + 8000;

const discard: Sink<unknown> = { name: 'discard', createWriter: () => ({ write: () => undefined }) };

/** An endless checkpointed keyed job: nothing ends it but a failure. */
function keyedJob(env: StreamEnvironment): void {
  env.enableCheckpointing(50);
  env
    .fromGenerator(Number.MAX_SAFE_INTEGER, (i) => i)
    .keyBy((i) => i % 16)
    .reduce((a, b) => a + b)
    .sinkTo(discard);
}

describe('scenarios: outside services never hang a job', function () {
  this.timeout(60_000);

  describe('Kafka (real broker; it creates topics on demand, as many brokers do)', () => {
    let bootstrap: string;
    before(async function () {
      this.timeout(600_000);
      bootstrap = await kafkaBootstrap(this);
    });

    type Guarantee = 'exactly-once' | 'at-least-once';
    /** A checkpointed job of endless records written to `topic` on `brokers`. */
    const writeTo = (guarantee: Guarantee, topic: string, brokers = [bootstrap]): JobHandle => {
      const env = StreamEnvironment.create({ parallelism: 2 });
      env.enableCheckpointing(50);
      const numbers = env.fromGenerator(Number.MAX_SAFE_INTEGER, (i) => i);
      const options = { brokers, topic, operationTimeoutMs: BOUND_MS };
      if (guarantee === 'exactly-once') numbers.sinkTo(KafkaSink.exactlyOnce<number>(options));
      else numbers.sinkTo(KafkaSink.atLeastOnce<number>(options));
      return env.execute(`write-to-${topic}`);
    };

    for (const guarantee of ['exactly-once', 'at-least-once'] as const) {
      it(`${guarantee}: a sink to a topic that does not exist fails the job, naming the topic and what to do, without restarts`, async () => {
        const topic = uniqueTopic(`missing-${guarantee}`);
        const job = writeTo(guarantee, topic);
        const outcome = await outcomeWithin(job, PATIENCE_MS);
        expect(outcome.type, JSON.stringify(outcome)).to.equal('failed');
        if (outcome.type !== 'failed') return;
        expect(outcome.error.message).to.include(`Kafka topic '${topic}' does not exist`);
        expect(outcome.error.message).to.include('create it').and.to.include('allowAutoTopicCreation: true');
        expect(outcome.elapsedMs).to.be.below(BOUND_MS);
      });
    }

    it('a record naming another topic that does not exist fails the job, naming that topic', async () => {
      const topic = uniqueTopic('present');
      const other = uniqueTopic('absent');
      await createTopic(bootstrap, topic, 1);
      const env = StreamEnvironment.create({ parallelism: 1 });
      env.enableCheckpointing(50);
      env
        .fromGenerator(Number.MAX_SAFE_INTEGER, (i) => i)
        .sinkTo(KafkaSink.atLeastOnce<number>({ brokers: [bootstrap], topic, operationTimeoutMs: BOUND_MS, serialize: (n) => ({ value: String(n), topic: n === 500 ? other : undefined }) }));
      const outcome = await outcomeWithin(env.execute('per-record-topic'), PATIENCE_MS);
      expect(outcome.type, JSON.stringify(outcome)).to.equal('failed');
      if (outcome.type !== 'failed') return;
      expect(outcome.error.message).to.include(`Kafka topic '${other}' does not exist`);
    });

    it('a source of a topic that does not exist fails the job, naming the topic', async () => {
      const topic = uniqueTopic('missing-input');
      const env = StreamEnvironment.create({ parallelism: 1 });
      env.enableCheckpointing(50);
      fromKafka(env, new KafkaSource<unknown>({ brokers: [bootstrap], topics: [topic], format: { deserialize: (r) => right(r.value) }, operationTimeoutMs: BOUND_MS })).sinkTo(discard);
      const outcome = await outcomeWithin(env.execute('missing-input'), PATIENCE_MS);
      expect(outcome.type, JSON.stringify(outcome)).to.equal('failed');
      if (outcome.type !== 'failed') return;
      expect(outcome.error.message).to.include(`Kafka topic '${topic}' does not exist`).and.not.to.include('allowAutoTopicCreation');
    });

    it('with allowAutoTopicCreation the broker creates the topic and the records arrive', async () => {
      const topic = uniqueTopic('auto-created');
      const env = StreamEnvironment.create({ parallelism: 1 });
      env.fromGenerator(50, (i) => i).sinkTo(KafkaSink.atLeastOnce<number>({ brokers: [bootstrap], topic, allowAutoTopicCreation: true, operationTimeoutMs: 10_000 }));
      const outcome = await outcomeWithin(env.execute('auto-created'), 30_000);
      expect(outcome.type, JSON.stringify(outcome)).to.equal('finished');
      // Idempotent at-least-once writes leave no transaction markers: the end offsets count the records.
      expect((await endOffsets(bootstrap, topic)).reduce((a, b) => a + b, 0)).to.equal(50);
    });

    it("SQL: INSERT INTO a kafka table whose topic does not exist fails, naming the topic and 'sink.allow-auto-topic-creation'", async () => {
      const topic = uniqueTopic('sql-missing');
      const env = StreamEnvironment.create({ parallelism: 1 });
      env.enableCheckpointing(50);
      const tEnv = TableEnvironment.create(env);
      tEnv.executeSql(`CREATE TABLE numbers (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000')`);
      tEnv.executeSql(`CREATE TABLE out_topic (n BIGINT) WITH ('connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${bootstrap}', 'operation-timeout-ms' = '${BOUND_MS}')`);
      const job = tEnv.executeSql('INSERT INTO out_topic SELECT n FROM numbers').jobHandle!;
      const outcome = await outcomeWithin(job, PATIENCE_MS);
      expect(outcome.type, JSON.stringify(outcome)).to.equal('failed');
      if (outcome.type !== 'failed') return;
      expect(outcome.error.message).to.include(`Kafka topic '${topic}' does not exist`).and.to.include("'sink.allow-auto-topic-creation' = 'true'");
      expect(outcome.elapsedMs).to.be.below(BOUND_MS);
    });

    it('brokers where nothing listens fail the job once operationTimeoutMs has passed, naming them', async () => {
      const broker = `127.0.0.1:${await closedPort()}`;
      const job = writeTo('exactly-once', uniqueTopic('no-broker'), [broker]);
      const outcome = await outcomeWithin(job, PATIENCE_MS);
      expect(outcome.type, JSON.stringify(outcome)).to.equal('failed');
      if (outcome.type !== 'failed') return;
      expect(outcome.error.message).to.include(`cannot reach Kafka at ${broker} within ${BOUND_MS} ms`);
      expect(outcome.elapsedMs).to.be.at.least(BOUND_MS - 100);
    });
  });

  describe('Redis', () => {
    let silent: SilentServer | undefined;
    afterEach(async () => {
      await silent?.close();
      silent = undefined;
    });

    it('state backend where nothing listens: the job fails once operationTimeoutMs has passed, naming the server', async () => {
      const url = `redis://127.0.0.1:${await closedPort()}`;
      const env = StreamEnvironment.create({ stateBackend: { type: 'redis', url, keyPrefix: uniquePrefix('unreachable'), operationTimeoutMs: BOUND_MS } });
      keyedJob(env);
      const outcome = await outcomeWithin(env.execute('redis-state-unreachable'), PATIENCE_MS);
      expect(outcome.type, JSON.stringify(outcome)).to.equal('failed');
      if (outcome.type !== 'failed') return;
      expect(outcome.error.message).to.include(`cannot reach Redis at ${url}: no answer within ${BOUND_MS} ms`).and.to.include('ECONNREFUSED');
    });

    it('state backend on a server that accepts connections and never answers: the job fails in bounded time, naming it', async () => {
      silent = await SilentServer.start();
      const url = `redis://127.0.0.1:${silent.port}`;
      const env = StreamEnvironment.create({ stateBackend: { type: 'redis', url, keyPrefix: uniquePrefix('silent'), operationTimeoutMs: BOUND_MS } });
      keyedJob(env);
      const outcome = await outcomeWithin(env.execute('redis-state-silent'), PATIENCE_MS);
      expect(outcome.type, JSON.stringify(outcome)).to.equal('failed');
      if (outcome.type !== 'failed') return;
      expect(outcome.error.message).to.include(`Redis at ${url}`);
    });

    it('checkpoint store on a server that never answers: the job fails in bounded time, naming it', async () => {
      silent = await SilentServer.start();
      const url = `redis://127.0.0.1:${silent.port}/0`;
      const env = StreamEnvironment.create({ checkpointStorage: `${url}?prefix=${uniquePrefix('silent-store')}&operationTimeoutMs=${BOUND_MS}` });
      keyedJob(env);
      const outcome = await outcomeWithin(env.execute('redis-store-silent'), PATIENCE_MS);
      expect(outcome.type, JSON.stringify(outcome)).to.equal('failed');
      if (outcome.type !== 'failed') return;
      expect(outcome.error.message).to.include(`cannot reach Redis at ${url}: no answer within ${BOUND_MS} ms`);
    });

    it('checkpoint store killed while the job runs: the job fails in bounded time, naming the server', async function () {
      const own = await startOwnRedis();
      const url = `${own.url}/0`;
      const env = StreamEnvironment.create({ checkpointStorage: `${url}?prefix=${uniquePrefix('killed-store')}&operationTimeoutMs=${BOUND_MS}` });
      keyedJob(env);
      const job = env.execute('redis-store-killed');
      // Killed once a checkpoint has been stored there.
      await job.triggerCheckpoint();
      await own.stop(true);
      const outcome = await outcomeWithin(job, PATIENCE_MS);
      expect(outcome.type, JSON.stringify(outcome)).to.equal('failed');
      if (outcome.type !== 'failed') return;
      expect(outcome.error.message).to.include(`cannot reach Redis at ${url}`);
    });

    it('a state backend that reaches Redis is not affected by the bound', async function () {
      const url = await redisUrl(this);
      const keyPrefix = uniquePrefix('reachable');
      const env = StreamEnvironment.create({ stateBackend: { type: 'redis', url, keyPrefix, operationTimeoutMs: BOUND_MS } });
      env.enableCheckpointing(20);
      const sums = await env
        .fromGenerator(2000, (i) => i)
        .keyBy((i) => i % 4)
        .reduce((a, b) => a + b)
        .executeAndCollect();
      await dropPrefix(url, keyPrefix);
      expect(Math.max(...sums)).to.equal(Array.from({ length: 500 }, (_, i) => i * 4 + 3).reduce((a, b) => a + b));
    });
  });
});
