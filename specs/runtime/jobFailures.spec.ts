import { expect } from 'chai';
import { TaskPlan } from '../../src/graph/ExecutionPlan';
import { FAILURE_HISTORY_LIMIT, FailureHistory, failureSite } from '../../src/runtime/jobFailures';
import { UserFunctionFailed } from '../../src/runtime/UserFunctionFailed';
import { loggedError } from '../../src/logging/logger';

describe('runtime/jobFailures', () => {
  describe('FailureHistory', () => {
    it(`keeps the last ${FAILURE_HISTORY_LIMIT} failures, oldest first`, () => {
      const history = new FailureHistory();
      for (let i = 0; i < FAILURE_HISTORY_LIMIT + 50; i++) {
        history.add({ time: i, operator: 'op', instance: 0, record: undefined, error: new Error(`failure ${i}`), action: 'restartJob' });
      }
      const kept = history.list();
      expect(kept).to.have.length(FAILURE_HISTORY_LIMIT);
      expect(kept[0].error.message).to.equal('failure 50');
      expect(kept[kept.length - 1].error.message).to.equal(`failure ${FAILURE_HISTORY_LIMIT + 49}`);
    });
  });

  describe('failureSite', () => {
    const task = { name: 'Source -> parse -> Sink', index: 3 } as TaskPlan;
    it('names the operator, instance and summarized record of a user function that failed', () => {
      const record = { id: 7, text: 'x'.repeat(500) };
      const site = failureSite(new UserFunctionFailed('parse', 1, record, new Error('bad')), task);
      expect(site.operator).to.equal('parse');
      expect(site.instance).to.equal(1);
      expect(site.record).to.match(/^\{"id":7,"text":"x+… \(518 chars\)$/);
    });
    it('names the task for a failure that names no operator, and nothing for a failure of the job', () => {
      expect(failureSite(new Error('actor crashed'), task)).to.deep.equal({ operator: 'Source -> parse -> Sink', instance: 3, record: undefined });
      expect(failureSite(new Error('cannot restore'), undefined)).to.deep.equal({ operator: undefined, instance: undefined, record: undefined });
    });
  });

  describe('loggedError', () => {
    it('keeps type, message, stack and cause, and leaves the failed record out', () => {
      const logged = loggedError(new UserFunctionFailed('parse', 0, { huge: 'y'.repeat(10_000) }, new TypeError('not a number')));
      expect(Object.keys(logged)).to.deep.equal(['type', 'message', 'stack', 'cause']);
      expect(logged.type).to.equal('UserFunctionFailed');
      expect(logged.cause).to.include({ type: 'TypeError', message: 'not a number' });
      expect(JSON.stringify(logged)).not.to.include('y'.repeat(300));
      expect(loggedError(new Error('e'), { stack: false })).to.deep.equal({ type: 'Error', message: 'e' });
    });
  });
});
