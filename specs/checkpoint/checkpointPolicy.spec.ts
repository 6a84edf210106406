import { expect } from 'chai';
import { CheckpointFailureReason } from '../../src/checkpoint/checkpointLifecycle';
import { failuresInARow, whyNotTrigger } from '../../src/checkpoint/checkpointPolicy';

describe('checkpoint/checkpointPolicy', () => {
  describe('whyNotTrigger', () => {
    const config = { maxConcurrent: 1, minPauseMs: 500 };
    const running = { running: true, inProgress: 0, lastCompletedAt: 1000 };

    it('holds a periodic checkpoint back until the min pause after the last completion is over', () => {
      // A timeline: the last checkpoint completed at 1000 ms.
      expect(whyNotTrigger(config, running, 1200, false)).to.equal('min pause not over');
      expect(whyNotTrigger(config, running, 1499, false)).to.equal('min pause not over');
      expect(whyNotTrigger(config, running, 1500, false)).to.equal(undefined);
    });

    it('lets one asked for start within the min pause, but not beyond the slots', () => {
      expect(whyNotTrigger(config, running, 1200, true)).to.equal(undefined);
      expect(whyNotTrigger(config, { ...running, inProgress: 1 }, 5000, true)).to.equal('1 checkpoint(s) already in progress (maxConcurrent 1)');
    });

    it('starts none while the job is not running, whatever else holds', () => {
      expect(whyNotTrigger(config, { running: false, inProgress: 0, lastCompletedAt: -Infinity }, 0, true)).to.equal('the job is not running');
    });

    it('starts the first checkpoint at once (none completed yet)', () => {
      expect(whyNotTrigger(config, { running: true, inProgress: 0, lastCompletedAt: -Infinity }, 0, false)).to.equal(undefined);
    });
  });

  describe('failuresInARow', () => {
    /** Plays checkpoint outcomes in order under `tolerable`, returning the count and whether the job fails over after each. */
    function play(tolerable: number, outcomes: ReadonlyArray<'completed' | CheckpointFailureReason>): string[] {
      let consecutive = 0;
      return outcomes.map((outcome) => {
        const next = failuresInARow(consecutive, outcome, tolerable);
        consecutive = next.consecutive;
        return `${outcome} -> ${next.consecutive}${next.tooMany ? ', fail over' : ''}`;
      });
    }

    it('fails over on the first failed checkpoint beyond the tolerable number in a row, and counts again from there', () => {
      expect(play(2, ['declined', 'timeout', 'storeFailed', 'timeout'])).to.deep.equal(['declined -> 1', 'timeout -> 2', 'storeFailed -> 0, fail over', 'timeout -> 1']);
    });

    it('starts the count again after a completed checkpoint', () => {
      expect(play(1, ['timeout', 'completed', 'timeout', 'timeout'])).to.deep.equal(['timeout -> 1', 'completed -> 0', 'timeout -> 1', 'timeout -> 0, fail over']);
    });

    it('does not count aborts that say nothing about checkpointing (subsumed, a task failure, the end of input)', () => {
      expect(play(0, ['subsumed', 'taskFailure', 'jobFinishing', 'declined'])).to.deep.equal(['subsumed -> 0', 'taskFailure -> 0', 'jobFinishing -> 0', 'declined -> 0, fail over']);
    });
  });
});
