import { expect } from 'chai';
import { ConfigError, StreamEnvironment, StreamEnvironmentOptions } from '../../src';
import { CollectSink } from '../../src/connectors/CollectSink';
import { KafkaSource } from '../../src/connectors/kafka/KafkaSource';
import { fromKafka } from '../../src/api/fromKafka';

const cluster = { applicationId: 'clicks', redis: 'redis://127.0.0.1:6379/2', kafka: { brokers: ['127.0.0.1:9092'] }, instanceId: 'web-1' };

/** The ConfigError that `f` throws. */
function refusal(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('api/clusterEnvironment: the cluster option of StreamEnvironment.create (docs/cluster.md)', () => {
  it("keeps keyed state and checkpoints in the cluster's Redis and names the job by its applicationId", () => {
    const { config } = StreamEnvironment.create({ parallelism: 4, cluster });
    expect(config.stateBackend).to.deep.equal({ type: 'redis', url: 'redis://127.0.0.1:6379/2', keyPrefix: 'sluice' });
    expect(config.checkpointStorage).to.equal('redis://127.0.0.1:6379/2?prefix=sluice');
    expect(config.jobId).to.equal('clicks');
    expect(config.cluster).to.deep.equal({ applicationId: 'clicks', redis: 'redis://127.0.0.1:6379/2', brokers: ['127.0.0.1:9092'], instanceId: 'web-1', leaseMs: 6000, heartbeatMs: 1000, operationTimeoutMs: 30_000 });
  });

  it('takes a Redis state backend and checkpoint storage in the same database', () => {
    const { config } = StreamEnvironment.create({ cluster, stateBackend: { type: 'redis', url: 'redis://127.0.0.1:6379/2', keyPrefix: 'app', cacheSize: 10 }, checkpointStorage: 'redis://127.0.0.1:6379/2?prefix=app' });
    expect(config.stateBackend).to.deep.equal({ type: 'redis', url: 'redis://127.0.0.1:6379/2', keyPrefix: 'app', cacheSize: 10 });
    expect(config.checkpointStorage).to.equal('redis://127.0.0.1:6379/2?prefix=app');
  });

  it('refuses, listing every problem: state and checkpoints elsewhere, another job id (task managers above 1 are taken)', () => {
    const options = { cluster, taskManagers: 2, stateBackend: 'memory', checkpointStorage: 'file:/tmp/chk', jobId: 'other' } as StreamEnvironmentOptions;
    expect(refusal(() => StreamEnvironment.create(options)).problems).to.deep.equal([
      "stateBackend 'memory' cannot go with cluster: keyed state must be in the cluster's Redis (redis://127.0.0.1:6379/2) so that key groups can move between instances; leave stateBackend out to use it",
      "checkpointStorage file:/tmp/chk cannot go with cluster: every instance that may lead must find the job's checkpoints, in the cluster's Redis (redis://127.0.0.1:6379/2); leave checkpointStorage out to use it",
      "jobId 'other' cannot go with cluster: a cluster job's id is its applicationId ('clicks'); leave jobId out",
    ]);
    const otherDatabase = refusal(() => StreamEnvironment.create({ cluster, stateBackend: { type: 'redis', url: 'redis://127.0.0.1:6379/3', keyPrefix: 'p' } }));
    expect(otherDatabase.problems).to.deep.equal([
      "stateBackend's Redis redis://127.0.0.1:6379/3 is not the cluster's (redis://127.0.0.1:6379/2): the state's writes are fenced by the job's epoch, kept in the cluster's Redis; leave stateBackend out to use it",
    ]);
  });

  it('refuses bad cluster options, each named, and a cluster without Kafka', () => {
    const problems = refusal(() => StreamEnvironment.create({ cluster: { applicationId: 'a b', redis: 'http://x', leaseMs: 10 } as never })).problems;
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include("applicationId must be 1 to 100 letters").and.include("redis must be a URL 'redis://host:port'").and.include('leaseMs must be an integer in 500..600000').and.include('kafka: { brokers');
  });

  it('refuses at execute what cannot run across instances: unaligned checkpoints, a sink of the application, a topic pattern', () => {
    const env = StreamEnvironment.create({ parallelism: 2, cluster });
    env.enableCheckpointing(1000, 'exactly-once', { unaligned: true });
    fromKafka(env, new KafkaSource({ brokers: ['127.0.0.1:9092'], topics: /clicks-.*/, format: { codec: undefined as never } }), 'clicks').sinkTo(new CollectSink<unknown>()).uid('collect');
    expect(refusal(() => env.execute('refused')).problems).to.deep.equal([
      'unaligned checkpoints cannot run across instances (for now): enable checkpointing without { unaligned: true }',
      "source 'Kafka Source (/clicks-.*/)' reads topics by pattern: across instances name its topics (each instance reports the partitions it reads)",
      "sink 'Collect Sink' hands its records to the application (Collect Sink): it cannot run across instances, whose tasks run in any process; write to Kafka instead",
    ]);
  });
});
