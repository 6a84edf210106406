import { expect } from 'chai';
import { ServiceError, unrestartableCause } from '../../src/services/ServiceError';
import { UserFunctionFailed } from '../../src/runtime/UserFunctionFailed';

describe('services/ServiceError', () => {
  const missingTopic = new ServiceError('kafka', 'orders', "Kafka topic 'orders' does not exist", false);

  it('finds an error a restart cannot mend, however deep in the causes a connector wrapped it', () => {
    expect(unrestartableCause(missingTopic)).to.equal(missingTopic);
    const wrapped = new UserFunctionFailed('Kafka Sink (orders)', 0, undefined, missingTopic, 'opening');
    expect(unrestartableCause(wrapped)).to.equal(missingTopic);
    expect(unrestartableCause(new Error('checkpoint 3 failed', { cause: wrapped }))).to.equal(missingTopic);
  });

  it('finds none in a restartable ServiceError, a plain error, or a value that is not an error', () => {
    expect(unrestartableCause(new ServiceError('redis', 'redis://127.0.0.1:6379', 'no answer within 30000 ms', true))).to.equal(undefined);
    expect(unrestartableCause(new Error('boom'))).to.equal(undefined);
    expect(unrestartableCause('boom')).to.equal(undefined);
  });

  it('stops at a cycle of causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(unrestartableCause(a)).to.equal(undefined);
  });
});
