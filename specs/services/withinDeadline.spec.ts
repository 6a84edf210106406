import { expect } from 'chai';
import { operationTimeoutProblem, retryWithin, withinDeadline } from '../../src/services/withinDeadline';

const never = () => new Promise<never>(() => undefined);

describe('services/withinDeadline', () => {
  describe('withinDeadline', () => {
    it("gives the operation's outcome when it comes in time", async () => {
      expect(await withinDeadline(Promise.resolve(7), 1000, () => new Error('late'))).to.equal(7);
      const failed = await withinDeadline(Promise.reject(new Error('refused')), 1000, () => new Error('late')).catch((e: Error) => e.message);
      expect(failed).to.equal('refused');
    });

    it('rejects with the error of the timeout when the operation does not settle in time', async () => {
      const started = Date.now();
      const outcome = await withinDeadline(never(), 50, () => new Error('no answer within 50 ms')).catch((e: Error) => e.message);
      expect(outcome).to.equal('no answer within 50 ms');
      expect(Date.now() - started).to.be.at.least(45);
    });

    it('swallows an outcome that comes after the deadline (no unhandled rejection)', async () => {
      let fail: (e: Error) => void = () => undefined;
      const late = new Promise<never>((_, reject) => (fail = reject));
      await withinDeadline(late, 10, () => new Error('late')).catch(() => undefined);
      fail(new Error('too late to matter'));
      // The suite's hooks turn an unhandled rejection into a failure: give it a turn to show.
      await new Promise((r) => setImmediate(r));
    });
  });

  describe('retryWithin', () => {
    it('retries a failing attempt, telling each failure with its cause, until one succeeds', async () => {
      const heard: string[] = [];
      let calls = 0;
      const value = await retryWithin(
        async () => {
          if (++calls < 3) throw new Error(`refused ${calls}`);
          return 'connected';
        },
        5000,
        { onRetry: (e, attempt, delayMs) => heard.push(`${attempt}: ${(e as Error).message}, next in ${delayMs} ms`), giveUp: () => new Error('gave up') },
      );
      expect(value).to.equal('connected');
      expect(heard).to.deep.equal(['1: refused 1, next in 100 ms', '2: refused 2, next in 200 ms']);
    });

    it('gives up once the bound is spent, with the error giveUp makes of the last failure', async () => {
      const started = Date.now();
      const outcome = await retryWithin(() => Promise.reject(new Error('ECONNREFUSED')), 300, { giveUp: (last) => new Error(`gave up: ${(last as Error).message}`) }).catch((e: Error) => e.message);
      expect(outcome).to.equal('gave up: ECONNREFUSED');
      expect(Date.now() - started).to.be.within(250, 2000);
    });

    it('bounds an attempt that never settles by the time left', async () => {
      const outcome = await retryWithin(never, 100, { giveUp: (last) => new Error(`gave up: ${(last as Error).message}`) }).catch((e: Error) => e.message);
      expect(outcome).to.equal('gave up: no answer within 100 ms');
    });
  });

  describe('operationTimeoutProblem', () => {
    it('accepts a whole number of ms from 1 to a day, or nothing', () => {
      expect([undefined, 1, 30_000, 86_400_000].map(operationTimeoutProblem)).to.deep.equal([undefined, undefined, undefined, undefined]);
    });
    it('refuses zero, fractions, more than a day and non-numbers, saying what it got', () => {
      for (const bad of [0, 1.5, 86_400_001, '30s', -1]) expect(operationTimeoutProblem(bad)).to.include('operationTimeoutMs must be an integer in 1..86400000').and.to.include(JSON.stringify(bad));
    });
  });
});
