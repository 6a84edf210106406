import { expect } from 'chai';
import { isLeft, right } from 'fp-ts/Either';
import fc from 'fast-check';
import {
  DEFAULT_RESTART_WITH_CHECKPOINTING,
  RestartStrategy,
  decideRestart,
  decodeRestartStrategy,
} from '../../src/checkpoint/RestartStrategy';

/**
 * Decides as a strategy without jitter must: the same whatever the random source says.
 */
function decide(strategy: RestartStrategy, failures: readonly number[], now: number) {
  const low = decideRestart(strategy, failures, now, () => 0);
  const high = decideRestart(strategy, failures, now, () => 0.999999);
  expect(high, 'a strategy without jitter depends on random()').to.deep.equal(low);
  return low;
}

describe('checkpoint/RestartStrategy', () => {
  describe('decideRestart', () => {
    describe('none', () => {
      it('never restarts, and says why', () => {
        const decision = decide({ type: 'none' }, [], 0);
        expect(decision).to.deep.equal({ restart: false, reason: 'the restart strategy is none' });
      });
    });

    describe('fixed-delay', () => {
      const threeTimes: RestartStrategy = { type: 'fixed-delay', attempts: 3, delayMs: 250 };

      it('restarts after the fixed delay while attempts remain, however close the failures', () => {
        expect(decide(threeTimes, [], 0)).to.deep.equal({ restart: true, delayMs: 250 });
        expect(decide(threeTimes, [0], 1)).to.deep.equal({ restart: true, delayMs: 250 });
        expect(decide(threeTimes, [0, 1], 2)).to.deep.equal({ restart: true, delayMs: 250 });
      });

      it('gives up once its attempts are exhausted, naming the number of attempts', () => {
        const decision = decide(threeTimes, [0, 1, 2], 3);
        expect(decision).to.deep.equal({ restart: false, reason: 'fixed-delay restart strategy exhausted its 3 attempts' });
      });

      it('with zero attempts, never restarts', () => {
        expect(decide({ type: 'fixed-delay', attempts: 0, delayMs: 1 }, [], 0).restart).to.equal(false);
      });

      it('restarts practically for ever, 1 s apart, by default with checkpointing (as Flink)', () => {
        expect(DEFAULT_RESTART_WITH_CHECKPOINTING).to.deep.equal({ type: 'fixed-delay', attempts: Number.MAX_SAFE_INTEGER, delayMs: 1000 });
        const manyFailures = Array.from({ length: 10_000 }, (_, i) => i);
        expect(decide(DEFAULT_RESTART_WITH_CHECKPOINTING, manyFailures, 10_000)).to.deep.equal({ restart: true, delayMs: 1000 });
      });
    });

    describe('exponential-delay', () => {
      const backoff: RestartStrategy = {
        type: 'exponential-delay',
        initialBackoffMs: 100,
        maxBackoffMs: 1000,
        backoffMultiplier: 2,
        resetBackoffThresholdMs: 5000,
      };

      it('starts with the initial backoff and multiplies it for each failure in a row', () => {
        // Failures 1 s apart, well within the reset threshold: a streak.
        const delays = [0, 1, 2, 3].map((n) => {
          const earlier = Array.from({ length: n }, (_, i) => i * 1000);
          return decide(backoff, earlier, n * 1000);
        });
        expect(delays).to.deep.equal([
          { restart: true, delayMs: 100 },
          { restart: true, delayMs: 200 },
          { restart: true, delayMs: 400 },
          { restart: true, delayMs: 800 },
        ]);
      });

      it('caps the delay at maxBackoffMs and always restarts', () => {
        const earlier = Array.from({ length: 20 }, (_, i) => i * 1000);
        expect(decide(backoff, earlier, 20_000)).to.deep.equal({ restart: true, delayMs: 1000 });
      });

      it('resets to the initial backoff after a quiet period longer than the threshold', () => {
        expect(decide(backoff, [0, 1000, 2000], 2000 + 5001)).to.deep.equal({ restart: true, delayMs: 100 });
      });

      it('still counts a failure exactly at the threshold as part of the streak', () => {
        expect(decide(backoff, [0, 1000, 2000], 2000 + 5000)).to.deep.equal({ restart: true, delayMs: 800 });
      });

      it('counts only the failures since the last quiet period', () => {
        // 0 and 1000 are one streak, then 10 s of quiet, then 11000 and 12000: two in a row.
        expect(decide(backoff, [0, 1000, 11_000, 12_000], 13_000)).to.deep.equal({ restart: true, delayMs: 400 });
      });

      describe('with jitter', () => {
        const jittery: RestartStrategy = { ...backoff, jitterFactor: 0.1 } as RestartStrategy;

        it('spreads the delay by up to ±jitterFactor of it, drawn from the injected random source', () => {
          // Third failure in a row: base 400 ms; random in [0, 1) maps to [-10 %, +10 %).
          const at = (r: number) => decideRestart(jittery, [0, 1000], 2000, () => r);
          expect(at(0)).to.deep.equal({ restart: true, delayMs: 360 });
          expect(at(0.5)).to.deep.equal({ restart: true, delayMs: 400 });
          expect(at(0.75)).to.deep.equal({ restart: true, delayMs: 420 });
          expect(at(0.999999)).to.deep.equal({ restart: true, delayMs: 440 });
        });

        it('never exceeds maxBackoffMs, even when jitter would push a capped delay above it', () => {
          const capped = Array.from({ length: 20 }, (_, i) => i * 1000);
          const delay = decideRestart(jittery, capped, 20_000, () => 0.999999);
          expect(delay.restart).to.equal(true);
          expect((delay as { delayMs: number }).delayMs).to.be.at.most(1000);
        });

        it('keeps every delay a whole number of milliseconds between 0 and maxBackoffMs', () => {
          fc.assert(
            fc.property(
              fc.integer({ min: 0, max: 40 }),
              fc.double({ min: 0, max: 1, noNaN: true }),
              fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
              (streak, jitterFactor, r) => {
                const strategy = { ...backoff, jitterFactor } as RestartStrategy;
                const earlier = Array.from({ length: streak }, (_, i) => i * 1000);
                const decision = decideRestart(strategy, earlier, streak * 1000, () => r);
                if (!decision.restart) throw new Error('exponential-delay refused to restart');
                expect(Number.isInteger(decision.delayMs), `delay ${decision.delayMs}`).to.equal(true);
                expect(decision.delayMs).to.be.within(0, 1000);
              },
            ),
          );
        });
      });
    });

    describe('failure-rate', () => {
      const twoPerMinute: RestartStrategy = { type: 'failure-rate', maxFailuresPerInterval: 2, failureRateIntervalMs: 60_000, delayMs: 500 };

      it('restarts while the failures within the interval, this one included, stay within the maximum', () => {
        expect(decide(twoPerMinute, [], 0)).to.deep.equal({ restart: true, delayMs: 500 });
        expect(decide(twoPerMinute, [0], 30_000)).to.deep.equal({ restart: true, delayMs: 500 });
      });

      it('gives up on one failure more than the maximum within the interval, naming the limit', () => {
        expect(decide(twoPerMinute, [0, 30_000], 59_000)).to.deep.equal({
          restart: false,
          reason: 'more than 2 failures within 60000 ms',
        });
      });

      it('forgets failures older than the interval: the window slides', () => {
        expect(decide(twoPerMinute, [0, 30_000], 60_001)).to.deep.equal({ restart: true, delayMs: 500 });
        expect(decide(twoPerMinute, [0, 30_000], 60_000).restart).to.equal(false);
      });
    });
  });

  describe('decodeRestartStrategy', () => {
    it('accepts each well-formed strategy and returns it unchanged', () => {
      const strategies: RestartStrategy[] = [
        { type: 'none' },
        { type: 'fixed-delay', attempts: 3, delayMs: 0 },
        { type: 'exponential-delay', initialBackoffMs: 1, maxBackoffMs: 60_000, backoffMultiplier: 1.5, resetBackoffThresholdMs: 3_600_000 },
        { type: 'exponential-delay', initialBackoffMs: 1, maxBackoffMs: 2, backoffMultiplier: 1, resetBackoffThresholdMs: 0, jitterFactor: 1 },
        { type: 'failure-rate', maxFailuresPerInterval: 1, failureRateIntervalMs: 1000, delayMs: 10 },
      ];
      for (const s of strategies) expect(decodeRestartStrategy(s)).to.deep.equal(right(s));
    });

    it('refuses an unknown type, listing the known ones', () => {
      for (const input of [{ type: 'retry-forever' }, {}, null, 'fixed-delay', 42]) {
        const decoded = decodeRestartStrategy(input);
        if (!isLeft(decoded)) return expect.fail(`${JSON.stringify(input)} accepted`);
        expect(decoded.left).to.include('type must be one of none, fixed-delay, exponential-delay, failure-rate');
      }
    });

    it('refuses a strategy with a missing or invalid field, naming the strategy and the field', () => {
      const cases: Array<[unknown, string, string]> = [
        [{ type: 'fixed-delay', attempts: 1.5, delayMs: 10 }, 'fixed-delay', 'attempts'],
        [{ type: 'fixed-delay', attempts: 3 }, 'fixed-delay', 'delayMs'],
        [{ type: 'fixed-delay', attempts: 3, delayMs: -1 }, 'fixed-delay', 'delayMs'],
        [{ type: 'exponential-delay', initialBackoffMs: 1, maxBackoffMs: 10, backoffMultiplier: 0.5, resetBackoffThresholdMs: 1 }, 'exponential-delay', 'backoffMultiplier'],
        [{ type: 'exponential-delay', initialBackoffMs: 1, maxBackoffMs: 10, backoffMultiplier: 2, resetBackoffThresholdMs: 1, jitterFactor: 2 }, 'exponential-delay', 'jitterFactor'],
        [{ type: 'failure-rate', maxFailuresPerInterval: 2, failureRateIntervalMs: Infinity, delayMs: 1 }, 'failure-rate', 'failureRateIntervalMs'],
      ];
      for (const [input, type, field] of cases) {
        const decoded = decodeRestartStrategy(input);
        if (!isLeft(decoded)) return expect.fail(`${JSON.stringify(input)} accepted`);
        // Named in the explanation, not only in the echo of the input.
        const explanation = decoded.left.replace(JSON.stringify(input), '');
        expect(explanation).to.include(`'${type}'`).and.to.include(field);
      }
    });

    it('refuses a field the strategy does not know (a typo is not silently ignored), naming it', () => {
      const cases: Array<[unknown, string]> = [
        [{ type: 'none', attempts: 3 }, 'attempts'],
        [{ type: 'fixed-delay', attempts: 3, delayMs: 10, delay: 5 }, 'delay'],
        [{ type: 'exponential-delay', initialBackoffMs: 1, maxBackoffMs: 10, backoffMultiplier: 2, resetBackoffThresholdMs: 1, jiter: 0.5 }, 'jiter'],
        [{ type: 'failure-rate', maxFailuresPerInterval: 2, failureRateIntervalMs: 1000, delayMs: 1, attempts: 3 }, 'attempts'],
      ];
      for (const [input, field] of cases) {
        const decoded = decodeRestartStrategy(input);
        if (!isLeft(decoded)) return expect.fail(`${JSON.stringify(input)} accepted`);
        expect(decoded.left.replace(JSON.stringify(input), '')).to.include(`'${field}'`);
      }
    });
  });
});
