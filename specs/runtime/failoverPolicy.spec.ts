import { expect } from 'chai';
import { Supervision, SupervisionStrategy } from '../../src/graph/SupervisionStrategy';
import { RestartStrategy } from '../../src/checkpoint/RestartStrategy';
import { TaskId } from '../../src/checkpoint/TaskId';
import { ServiceError } from '../../src/services/ServiceError';
import { PlacementChanged } from '../../src/runtime/PlacementChanged';
import { Failure, FailoverDecision, FailoverHistory, NO_FAILURES, afterFailover, decideFailover } from '../../src/runtime/failoverPolicy';

// --- scripted timelines of failures: each step a failure and the decision it must get ------------

const TASK = '1-0' as TaskId;

/** A failure of task 1-0 at `at` ms, under `supervision`, with a jitter draw of 0.5 (no jitter). */
const failure = (at: number, options: { supervision?: SupervisionStrategy; error?: Error; task?: TaskId | undefined; draw?: number } = {}): Failure => ({
  at,
  error: options.error ?? new Error(`failure at ${at}`),
  task: 'task' in options ? options.task : TASK,
  supervision: options.supervision,
  draw: options.draw ?? 0.5,
});

const restartJob = (n: number, delayMs: number): FailoverDecision => ({ _tag: 'restartJob', delayMs, why: `restart ${n}, in ${delayMs} ms` });
const restartTask = (n: number): FailoverDecision => ({ _tag: 'restartTask', why: `restart ${n} of the task alone within its limit` });
const failJob = (why: string, whateverTheState = false): FailoverDecision => ({ _tag: 'failJob', why, whateverTheState });

type Step = readonly [failure: Failure, decision: FailoverDecision];

/** Decides each failure in turn, as the job lifecycle does (a decision acted on goes into the history), and returns the history. */
function play(strategy: RestartStrategy, steps: readonly Step[], taskMayRestartAlone = true): FailoverHistory {
  let history = NO_FAILURES;
  steps.forEach(([f, expected], i) => {
    const decision = decideFailover(f, history, strategy, taskMayRestartAlone);
    expect(decision, `step ${i}: failure at ${f.at} ms`).to.deep.equal(expected);
    // Deciding again on the same failure and history decides the same: the policy is pure.
    expect(decideFailover(f, history, strategy, taskMayRestartAlone), `step ${i}, decided again`).to.deep.equal(decision);
    history = afterFailover(history, f, decision);
  });
  return history;
}

describe('runtime/failoverPolicy', () => {
  describe('under a fixed-delay restart strategy', () => {
    const twice: RestartStrategy = { type: 'fixed-delay', attempts: 2, delayMs: 100 };

    it('restarts the job after its delay as many times as it allows, then fails it', () => {
      const history = play(twice, [
        /* 0 */ [failure(0), restartJob(1, 100)],
        /* 1 */ [failure(10_000), restartJob(2, 100)],
        /* 2 */ [failure(20_000), failJob('fixed-delay restart strategy exhausted its 2 attempts')],
      ]);
      expect(history.jobRestarts).to.deep.equal([0, 10_000]);
    });

    it('decides a failure of the job itself (no task) the same way', () => {
      play(twice, [[failure(0, { task: undefined }), restartJob(1, 100)]]);
    });
  });

  describe('a job placed anew (over instances: an instance died, joined or left)', () => {
    const once: RestartStrategy = { type: 'fixed-delay', attempts: 1, delayMs: 100 };
    const placedAnew = (at: number) => failure(at, { task: undefined, error: new PlacementChanged(`the job's instances changed at ${at}`) });
    const replaced: FailoverDecision = { _tag: 'restartJob', delayMs: 0, why: 'the job is placed anew: the restart strategy does not count it' };

    it('restarts at once, however often, without using up what the restart strategy allows for failures', () => {
      const history = play(once, [
        [placedAnew(0), replaced],
        [placedAnew(10), replaced],
        [failure(20), restartJob(1, 100)],
        [placedAnew(30), replaced],
        [failure(40), failJob('fixed-delay restart strategy exhausted its 1 attempts')],
      ]);
      expect(history.jobRestarts).to.deep.equal([20]);
      expect(history.replacements).to.equal(3);
    });

    it('restarts even under the none strategy: a new placement is no failure', () => {
      play({ type: 'none' }, [[placedAnew(0), replaced]]);
    });
  });

  describe('under a failure-rate restart strategy', () => {
    const twicePerSecond: RestartStrategy = { type: 'failure-rate', maxFailuresPerInterval: 2, failureRateIntervalMs: 1000, delayMs: 50 };

    it('fails the job on the failure beyond the rate, and a failure after a quiet interval restarts it again', () => {
      play(twicePerSecond, [
        /* 0 */ [failure(0), restartJob(1, 50)],
        /* 1 */ [failure(500), restartJob(2, 50)],
        /* 2 */ [failure(900), failJob('more than 2 failures within 1000 ms')],
      ]);
      play(twicePerSecond, [
        /* 0 */ [failure(0), restartJob(1, 50)],
        /* 1 */ [failure(500), restartJob(2, 50)],
        /* 2 */ [failure(1600), restartJob(3, 50)],
      ]);
    });
  });

  describe('under an exponential-delay restart strategy', () => {
    const exponential: RestartStrategy = { type: 'exponential-delay', initialBackoffMs: 100, maxBackoffMs: 1000, backoffMultiplier: 2, resetBackoffThresholdMs: 5000 };

    it('doubles the delay on failures in a row, caps it, and starts again after a quiet period', () => {
      play(exponential, [
        /* 0 */ [failure(0), restartJob(1, 100)],
        /* 1 */ [failure(1000), restartJob(2, 200)],
        /* 2 */ [failure(2000), restartJob(3, 400)],
        /* 3 */ [failure(3000), restartJob(4, 800)],
        /* 4 */ [failure(4000), restartJob(5, 1000)],
        /* 5 */ [failure(20_000), restartJob(6, 100)],
      ]);
    });

    it("spreads the delay by the failure's own draw: the same failure decides the same delay", () => {
      const jittered: RestartStrategy = { ...exponential, jitterFactor: 0.5 };
      play(jittered, [
        // Each delay ± half of it: a draw of 0 takes half off, 0.5 nothing, 0.75 adds a quarter.
        /* 0 */ [failure(0, { draw: 0 }), restartJob(1, 50)],
        /* 1 */ [failure(1000, { draw: 0.5 }), restartJob(2, 200)],
        /* 2 */ [failure(2000, { draw: 0.75 }), restartJob(3, 500)],
      ]);
    });
  });

  describe("under an operator's restartTask supervision", () => {
    const once: RestartStrategy = { type: 'fixed-delay', attempts: 1, delayMs: 100 };
    const twicePerSecond = Supervision.restartTask().withLimit(2, 1000);

    it('restarts the task alone within its limit, escalates to the job restart strategy beyond it, and again alone once the window moved on', () => {
      const history = play(once, [
        /* 0 */ [failure(0, { supervision: twicePerSecond }), restartTask(1)],
        /* 1 */ [failure(100, { supervision: twicePerSecond }), restartTask(2)],
        /* 2 */ [failure(200, { supervision: twicePerSecond }), restartJob(1, 100)],
        /* 3 */ [failure(1150, { supervision: twicePerSecond }), restartTask(1)],
        /* 4 */ [failure(1200, { supervision: twicePerSecond }), restartTask(2)],
        /* 5 */ [failure(1300, { supervision: twicePerSecond }), failJob('fixed-delay restart strategy exhausted its 1 attempts')],
      ]);
      // Only the restarts within the window are kept: the history stays bounded by the limit.
      expect(history.taskRestarts.get(TASK)).to.deep.equal([1150, 1200]);
      expect(history.jobRestarts).to.deep.equal([200]);
    });

    it('restarts the task alone every time without a limit, keeping no history for it', () => {
      const history = play(once, [
        [failure(0, { supervision: Supervision.restartTask() }), { _tag: 'restartTask', why: 'its supervision strategy has no limit' }],
        [failure(1, { supervision: Supervision.restartTask() }), { _tag: 'restartTask', why: 'its supervision strategy has no limit' }],
      ]);
      expect(history).to.deep.equal(NO_FAILURES);
    });

    it('leaves the failure to the job restart strategy when the job does not let a task restart alone (it is finishing)', () => {
      play(once, [[failure(0, { supervision: twicePerSecond }), restartJob(1, 100)]], false);
    });
  });

  describe('failures no restart mends', () => {
    const forever: RestartStrategy = { type: 'fixed-delay', attempts: Number.MAX_SAFE_INTEGER, delayMs: 100 };

    it("fails the job, whatever the job's state and strategy, under an operator's stop supervision", () => {
      play(forever, [[failure(0, { supervision: Supervision.stop() }), failJob("the operator's supervision strategy is stop", true)]]);
    });

    it('fails the job, whatever its state and strategy, when a service says a restart cannot mend it, found through the causes', () => {
      const missing = new ServiceError('kafka', 'topic orders', 'topic orders does not exist', false);
      play(forever, [[failure(0, { error: new Error('the source failed', { cause: missing }), supervision: Supervision.restartTask() }), failJob('a restart cannot mend it (kafka: topic orders)', true)]]);
    });

    it('restarts after a service failure a restart may mend', () => {
      play(forever, [[failure(0, { error: new ServiceError('redis', '127.0.0.1:6379', 'Redis out of reach', true) }), restartJob(1, 100)]]);
    });

    it("takes no operator's supervision for a failure of the job itself", () => {
      play(forever, [[failure(0, { task: undefined, supervision: Supervision.stop() }), restartJob(1, 100)]]);
    });
  });
});
