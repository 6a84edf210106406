import { expect } from 'chai';
import { isLeft, isRight } from 'fp-ts/Either';
import { resolveClusterOptions } from '../../src/instances/ClusterOptions';

describe('instances/ClusterOptions', () => {
  it('applies the defaults: a lease of 6 s renewed every second, a bound of 30 s, an instance id of host, pid and suffix', () => {
    const resolved = resolveClusterOptions({ applicationId: 'clicks', redis: 'redis://127.0.0.1:6379', kafka: { brokers: ['127.0.0.1:9092'] } });
    if (!isRight(resolved)) throw new Error(resolved.left.join('; '));
    expect(resolved.right).to.include({ applicationId: 'clicks', redis: 'redis://127.0.0.1:6379', leaseMs: 6000, heartbeatMs: 1000, operationTimeoutMs: 30_000 });
    expect(resolved.right.brokers).to.deep.equal(['127.0.0.1:9092']);
    expect(resolved.right.instanceId).to.match(new RegExp(`-${process.pid}-[0-9a-f]{6}$`));
  });

  it('refuses bad options with every problem listed', () => {
    const resolved = resolveClusterOptions({ applicationId: 'no spaces', redis: 'localhost', kafka: { brokers: [] }, instanceId: 'a/b', leaseMs: 100, heartbeatMs: 5000, operationTimeoutMs: 0, extra: 1 });
    if (!isLeft(resolved)) throw new Error('accepted');
    expect(resolved.left).to.deep.equal([
      "unknown cluster option 'extra' (known: applicationId, redis, kafka, instanceId, leaseMs, heartbeatMs, operationTimeoutMs)",
      `applicationId must be 1 to 100 letters, digits, '.', '_' or '-' (it names Kafka topics and transactional ids), got "no spaces"`,
      `redis must be a URL 'redis://host:port', got "localhost"`,
      "kafka.brokers must be a non-empty list of 'host:port', got []",
      `instanceId must be 1 to 100 letters, digits, '.', '_' or '-', got "a/b"`,
      'leaseMs must be an integer in 500..600000 (ms), got 100',
      'heartbeatMs must be an integer in 10..leaseMs / 2 (3000), got 5000',
      'operationTimeoutMs must be an integer in 1..86400000 (ms), got 0',
    ]);
  });
});
