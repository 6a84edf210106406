import { expect } from 'chai';
import fc from 'fast-check';
import { CheckpointingMode, CollectSink, StreamEnvironment } from '../../src';
import { Audit, Counted, audit, countingJob, keyOf } from '../support/countingJob';

const RECORDS = 100_000;
const KEYS = 64;

/** Runs the counting job with faults; `fault(id)` is called for every record the source produces. */
async function runWithFaults(mode: CheckpointingMode, seed: number, fault: (id: number, job: { crashTask(v: string, i: number): void }) => void, unaligned = false): Promise<Audit & { restarts: number }> {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 128 });
  env.enableCheckpointing(5, mode, { unaligned }).setRestartStrategy({ type: 'fixed-delay', attempts: 50, delayMs: 0 });
  const sink = new CollectSink<Counted>();
  let job: { crashTask(v: string, i: number): void } | undefined;
  const events = env
    .fromGenerator(RECORDS, (id) => {
      fault(id, job!);
      return { id, key: keyOf(id, seed, KEYS) };
    })
    .setParallelism(1);
  countingJob(events).sinkTo(sink);
  const handle = env.execute(`faults-${mode}`);
  job = handle;
  const result = await handle;
  return { ...audit(sink.records(), RECORDS, seed, KEYS), restarts: result.restarts };
}

/** A map that throws the first time it meets each of the chosen records. */
async function runWithThrowingFunction(mode: CheckpointingMode, seed: number, failAt: readonly number[], unaligned = false): Promise<Audit & { restarts: number }> {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 128 });
  env.enableCheckpointing(5, mode, { unaligned }).setRestartStrategy({ type: 'fixed-delay', attempts: 50, delayMs: 0 });
  const sink = new CollectSink<Counted>();
  const pending = new Set(failAt);
  const events = env
    .fromGenerator(RECORDS, (id) => ({ id, key: keyOf(id, seed, KEYS) }))
    .setParallelism(1)
    .map((e) => {
      if (pending.delete(e.id)) throw new Error(`injected failure at record ${e.id}`);
      return e;
    });
  countingJob(events).sinkTo(sink);
  const result = await env.execute(`throwing-${mode}`);
  return { ...audit(sink.records(), RECORDS, seed, KEYS), restarts: result.restarts };
}

const failurePoints = fc.uniqueArray(fc.integer({ min: 0, max: RECORDS - 1 }), { minLength: 1, maxLength: 4 });

describe('scenario: delivery guarantees under injected faults (docs/internals.md, invariant 3)', function () {
  this.timeout(120_000);

  describe('a user function throws at random records (fast-check picks the points and the seed)', () => {
    it('exactly-once: nothing lost, nothing repeated, in the sink and in the state', async () => {
      let failures = 0;
      await fc.assert(
        fc.asyncProperty(fc.integer(), failurePoints, async (seed, points) => {
          const r = await runWithThrowingFunction('exactly-once', seed, points);
          failures += r.restarts;
          // Failures in two instances at nearly the same moment cost one restart.
          expect(r.restarts).to.be.within(1, points.length);
          expect({ lost: r.lost, duplicated: r.duplicated, stateOver: r.stateOver, stateUnder: r.stateUnder }).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
        }),
        { numRuns: 6 },
      );
      expect(failures, 'restarts over all runs').to.be.at.least(6);
    });

    it('exactly-once with unaligned checkpoints: nothing lost, nothing repeated', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer(), failurePoints, async (seed, points) => {
          const r = await runWithThrowingFunction('exactly-once', seed, points, true);
          expect(r.restarts).to.be.within(1, points.length);
          expect({ lost: r.lost, duplicated: r.duplicated, stateOver: r.stateOver, stateUnder: r.stateUnder }).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
        }),
        { numRuns: 4 },
      );
    });

    it('at-least-once: nothing lost', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer(), failurePoints, async (seed, points) => {
          const r = await runWithThrowingFunction('at-least-once', seed, points);
          expect(r.restarts).to.be.within(1, points.length);
          expect(r.lost).to.equal(0);
          expect(r.stateUnder).to.equal(0);
        }),
        { numRuns: 4 },
      );
    });

    it('at-most-once: nothing repeated', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer(), failurePoints, async (seed, points) => {
          const r = await runWithThrowingFunction('at-most-once', seed, points);
          expect(r.restarts).to.be.within(1, points.length);
          expect(r.duplicated).to.equal(0);
          expect(r.stateOver).to.equal(0);
        }),
        { numRuns: 4 },
      );
    });
  });

  describe('task actors crash (source, keyed operator, sink) at chosen records', () => {
    const crashes: ReadonlyArray<readonly [number, string, number]> = [
      [12_000, 'Generator Source', 0],
      [35_000, 'Keyed Process', 0],
      [58_000, 'Keyed Process', 1],
      [81_000, 'Collect Sink', 1],
    ];
    const injector = () => {
      const left = [...crashes];
      return (id: number, job: { crashTask(v: string, i: number): void }) => {
        if (left.length > 0 && id === left[0][0]) {
          const [, vertex, index] = left.shift()!;
          job.crashTask(vertex, index);
        }
      };
    };

    it('exactly-once: nothing lost, nothing repeated', async () => {
      const r = await runWithFaults('exactly-once', 7, injector());
      expect(r.restarts).to.equal(crashes.length);
      expect({ lost: r.lost, duplicated: r.duplicated, stateOver: r.stateOver, stateUnder: r.stateUnder }).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    });

    it('exactly-once with unaligned checkpoints: nothing lost, nothing repeated', async () => {
      const r = await runWithFaults('exactly-once', 10, injector(), true);
      expect(r.restarts).to.equal(crashes.length);
      expect({ lost: r.lost, duplicated: r.duplicated, stateOver: r.stateOver, stateUnder: r.stateUnder }).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    });

    it('at-least-once: nothing lost', async () => {
      const r = await runWithFaults('at-least-once', 8, injector());
      expect(r.restarts).to.equal(crashes.length);
      expect(r.lost).to.equal(0);
      expect(r.stateUnder).to.equal(0);
    });

    it('at-most-once: nothing repeated', async () => {
      const r = await runWithFaults('at-most-once', 9, injector());
      expect(r.restarts).to.equal(crashes.length);
      expect(r.duplicated).to.equal(0);
      expect(r.stateOver).to.equal(0);
    });
  });
});
