import { expect } from 'chai';
import { SplitWatermarks } from '../../src/time/SplitWatermarks';
import { Time } from '../../src/time/Time';
import { WatermarkStrategy } from '../../src/time/WatermarkStrategy';

/** Three splits, bound 10 ms, idle after 100 ms without records, on a manual clock. */
function threeSplits(idleness = true) {
  let now = 0;
  const base = WatermarkStrategy.forBoundedOutOfOrderness<unknown>(Time.milliseconds(10));
  const watermarks = new SplitWatermarks(idleness ? base.withIdleness(Time.milliseconds(100)) : base, 3, () => now);
  return { watermarks, at: (t: number) => (now = t), record: (split: number, timestamp: number) => watermarks.onRecord(split, timestamp, now) };
}

describe('time/SplitWatermarks: per-split watermarks, the minimum over active splits', () => {
  it("is the minimum of the splits' watermarks (max timestamp − bound − 1); a split without records holds it at −∞", () => {
    const { watermarks, record } = threeSplits();
    record(0, 1_000);
    record(1, 500);
    expect(watermarks.current()).to.deep.equal({ watermark: -Infinity, idle: false });
    record(2, 2_000);
    expect(watermarks.current()).to.deep.equal({ watermark: 489, idle: false });
    record(1, 1_500);
    record(1, 700); // out of order within the split: its maximum stays
    expect(watermarks.current()).to.deep.equal({ watermark: 989, idle: false });
  });

  it('leaves out a split idle for the idleness timeout, takes it back at its next record, and is idle when all are', () => {
    const { watermarks, at, record } = threeSplits();
    record(0, 1_000);
    record(1, 5_000);
    record(2, 3_000);
    at(60);
    record(1, 6_000);
    record(2, 4_000);
    at(99);
    expect(watermarks.current()).to.deep.equal({ watermark: 989, idle: false });
    at(100);
    // Split 0: no record for 100 ms.
    expect(watermarks.current()).to.deep.equal({ watermark: 3_989, idle: false });
    at(159);
    expect(watermarks.current()).to.deep.equal({ watermark: 3_989, idle: false });
    at(160);
    // Splits 1 and 2 went idle together: the watermark they held until then.
    expect(watermarks.current()).to.deep.equal({ watermark: 3_989, idle: true });
    record(0, 1_200);
    expect(watermarks.current()).to.deep.equal({ watermark: 1_189, idle: false });
  });

  it('going idle between two looks, gives first the watermark of the splits that went idle last', () => {
    const { watermarks, at, record } = threeSplits();
    record(0, 1_000);
    record(1, 2_000);
    at(50);
    record(2, 7_000);
    expect(watermarks.current()).to.deep.equal({ watermark: 989, idle: false });
    // Splits 0 and 1 idle at 100, split 2 at 150: one look at 200 sees all idle.
    at(200);
    expect(watermarks.current()).to.deep.equal({ watermark: 6_989, idle: true });
  });

  it('without idleness, a split without records holds the watermark for ever', () => {
    const { watermarks, at, record } = threeSplits(false);
    record(0, 1_000);
    record(1, 1_000);
    at(1e9);
    expect(watermarks.current()).to.deep.equal({ watermark: -Infinity, idle: false });
  });

  it('leaves out finished splits for good; all finished is idle', () => {
    const { watermarks, record } = threeSplits(false);
    record(0, 1_000);
    record(1, 9_000);
    watermarks.finish(2);
    expect(watermarks.current()).to.deep.equal({ watermark: 989, idle: false });
    watermarks.finish(0);
    expect(watermarks.current()).to.deep.equal({ watermark: 8_989, idle: false });
    watermarks.finish(1);
    expect(watermarks.current()).to.deep.equal({ watermark: -Infinity, idle: true });
  });

  it('refuses a strategy that makes no watermarks', () => {
    expect(() => new SplitWatermarks(WatermarkStrategy.noWatermarks<unknown>(), 1, () => 0)).to.throw('per-split watermarks need a strategy that makes watermarks');
  });
});
