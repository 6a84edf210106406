import { expect } from 'chai';
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { DEFAULT_CHECKPOINT_TIMEOUT_MS, decodeCheckpointConfig } from '../../src/checkpoint/CheckpointConfig';

/** The decoded settings; fails the test, showing the refusal, when they are refused. */
function accepted<T>(decoded: Either<readonly string[], T>): T {
  if (isLeft(decoded)) return expect.fail(`refused: ${decoded.left.join('; ')}`);
  return decoded.right;
}

describe('checkpoint/CheckpointConfig', () => {
  describe('decodeCheckpointConfig', () => {
    it("fills in Flink's defaults: timeout 10 minutes, no min pause, one at a time, no tolerated failure, one retained, aligned", () => {
      expect(DEFAULT_CHECKPOINT_TIMEOUT_MS).to.equal(600_000);
      for (const options of [undefined, null, {}]) {
        expect(decodeCheckpointConfig(1000, 'exactly-once', options), String(options)).to.deep.equal(right({
          intervalMs: 1000,
          mode: 'exactly-once',
          timeoutMs: 600_000,
          minPauseMs: 0,
          maxConcurrent: 1,
          tolerableFailures: 0,
          retainedCheckpoints: 1,
          unaligned: false,
        }));
      }
    });

    it('keeps every option that is given', () => {
      const options = { timeoutMs: 5000, minPauseMs: 250, maxConcurrent: 3, tolerableFailures: 2, retainedCheckpoints: 4, unaligned: true };
      expect(decodeCheckpointConfig(100, 'exactly-once', options)).to.deep.equal(right({ intervalMs: 100, mode: 'exactly-once', ...options }));
    });

    it("takes retainedCheckpoints (Flink's state.checkpoints.num-retained) also under its earlier name, retained, and refuses the two disagreeing", () => {
      expect(accepted(decodeCheckpointConfig(100, 'exactly-once', { retained: 3 }))).to.include({ retainedCheckpoints: 3 });
      expect(accepted(decodeCheckpointConfig(100, 'exactly-once', { retained: 3, retainedCheckpoints: 3 }))).to.include({ retainedCheckpoints: 3 });
      expect(decodeCheckpointConfig(100, 'exactly-once', { retained: 3, retainedCheckpoints: 2 })).to.deep.equal(left([
        'retained (3) and retainedCheckpoints (2) disagree: give only retainedCheckpoints',
      ]));
    });

    it('accepts each of the three modes', () => {
      for (const mode of ['exactly-once', 'at-least-once', 'at-most-once']) {
        expect(accepted(decodeCheckpointConfig(1, mode, {}))).to.include({ mode });
      }
    });

    it('accepts zero where zero means "none" (minPauseMs, tolerableFailures)', () => {
      expect(accepted(decodeCheckpointConfig(1, 'exactly-once', { minPauseMs: 0, tolerableFailures: 0 }))).to.include({ minPauseMs: 0, tolerableFailures: 0 });
    });

    it('lists every problem at once: bad interval, bad mode, unknown option, negative min pause', () => {
      expect(decodeCheckpointConfig(0, 'exactly-twice', { minPauseMs: -1, minPause: 5 })).to.deep.equal(left([
        'checkpoint interval 0 must be a positive integer of milliseconds',
        'checkpointing mode "exactly-twice" must be one of exactly-once, at-least-once, at-most-once',
        "unknown checkpoint option 'minPause' (known: timeoutMs, minPauseMs, maxConcurrent, tolerableFailures, retainedCheckpoints, retained, unaligned)",
        'minPauseMs: -1 must be a non-negative integer',
      ]));
    });

    it('refuses unaligned checkpoints outside exactly-once, where nothing aligns anyway', () => {
      for (const mode of ['at-least-once', 'at-most-once']) {
        expect(decodeCheckpointConfig(10, mode, { unaligned: true })).to.deep.equal(left([
          `unaligned checkpoints are an exactly-once technique; mode "${mode}" never aligns anyway`,
        ]));
        expect(accepted(decodeCheckpointConfig(10, mode, { unaligned: false }))).to.include({ mode, unaligned: false });
      }
    });

    it('refuses an unaligned flag that is not a boolean', () => {
      expect(decodeCheckpointConfig(10, 'exactly-once', { unaligned: 'yes' })).to.deep.equal(left(['unaligned: "yes" is invalid']));
    });

    it('refuses an interval that is not a positive whole number of milliseconds', () => {
      for (const interval of [-5, 0, 1.5, NaN, Infinity, '1000', undefined]) {
        const decoded = decodeCheckpointConfig(interval, 'exactly-once', {});
        if (!isLeft(decoded)) return expect.fail(`interval ${String(interval)} accepted`);
        expect(decoded.left, String(interval)).to.have.lengthOf(1);
        expect(decoded.left[0]).to.match(/^checkpoint interval .* must be a positive integer of milliseconds$/);
      }
    });

    it('refuses options that must be positive when they are zero, naming each', () => {
      expect(decodeCheckpointConfig(10, 'exactly-once', { timeoutMs: 0, maxConcurrent: 0, retainedCheckpoints: 0 })).to.deep.equal(left([
        'timeoutMs: 0 must be a positive integer',
        'maxConcurrent: 0 must be a positive integer',
        'retainedCheckpoints: 0 must be a positive integer',
      ]));
    });

    it('refuses fractional and non-numeric option values', () => {
      expect(decodeCheckpointConfig(10, 'exactly-once', { tolerableFailures: 0.5, retained: '2' })).to.deep.equal(left([
        'tolerableFailures: 0.5 must be a non-negative integer',
        'retained: "2" must be a positive integer',
      ]));
    });

    it('refuses options that are not an object', () => {
      expect(decodeCheckpointConfig(10, 'exactly-once', 'fast')).to.deep.equal(left(['options: "fast" is invalid']));
    });
  });
});
