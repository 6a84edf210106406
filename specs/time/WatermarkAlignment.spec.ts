import { expect } from 'chai';
import { StreamEnvironment, Time, WatermarkStrategy } from '../../src';
import { joinAlignmentGroup } from '../../src/time/WatermarkAlignment';

interface Reading {
  src: 'fast' | 'slow';
  ts: number;
}

const BATCH = 10;
const RECORDS = 1500;
const FAST_STEP = 100;
const SLOW_STEP = 10;
const MAX_DRIFT = 1000;

/**
 * Two sources in one alignment group (or none): `fast` advances event time 10× faster per
 * record than `slow`. The timestamp assigner runs as each record is read, so `reads` is the
 * order in which the two sources read.
 */
async function run(aligned: boolean): Promise<{ reads: Reading[]; output: Reading[] }> {
  const env = StreamEnvironment.create({ parallelism: 1, batchSize: BATCH });
  const reads: Reading[] = [];
  const strategy = () => {
    const s = WatermarkStrategy.forBoundedOutOfOrderness<Reading>(Time.milliseconds(0)).withTimestampAssigner((r) => {
      reads.push(r);
      return r.ts;
    });
    return aligned ? s.withWatermarkAlignment('readings', Time.milliseconds(MAX_DRIFT)) : s;
  };
  const records = (src: Reading['src'], step: number) => Array.from({ length: RECORDS }, (_, i): Reading => ({ src, ts: i * step }));
  const fast = env.fromCollection(records('fast', FAST_STEP)).assignTimestampsAndWatermarks(strategy());
  const slow = env.fromCollection(records('slow', SLOW_STEP)).assignTimestampsAndWatermarks(strategy());
  const output = await fast.union(slow).executeAndCollect();
  return { reads, output };
}

/** The largest lead of one source's read timestamps over the other's, while the other still reads. */
function largestLead(reads: readonly Reading[]): number {
  const highest = { fast: -Infinity, slow: -Infinity };
  const lastRead = { fast: reads.map((r) => r.src).lastIndexOf('fast'), slow: reads.map((r) => r.src).lastIndexOf('slow') };
  let lead = -Infinity;
  reads.forEach((r, i) => {
    highest[r.src] = Math.max(highest[r.src], r.ts);
    const other = r.src === 'fast' ? 'slow' : 'fast';
    if (highest[other] > -Infinity && i < lastRead[other]) lead = Math.max(lead, r.ts - highest[other]);
  });
  return lead;
}

const sorted = (rs: readonly Reading[]) => [...rs].sort((a, b) => a.src.localeCompare(b.src) || a.ts - b.ts);

describe('time: watermark alignment of sources (withWatermarkAlignment)', function () {
  this.timeout(60_000);

  it('a source ahead of its group by more than maxDrift stops reading: its lead stays within maxDrift + one batch, and the output is exact', async () => {
    const { reads, output } = await run(true);
    // A source reads a whole batch once allowed: one batch of the fast source is 10 × 100 ms.
    const bound = MAX_DRIFT + BATCH * FAST_STEP;
    const lead = largestLead(reads);
    expect(lead).to.be.at.most(bound);
    expect(reads).to.have.length(2 * RECORDS);
    // Every record once: nothing lost, nothing duplicated.
    expect(sorted(output)).to.deep.equal(sorted([...reads]));
    expect(output.filter((r) => r.src === 'fast')).to.have.length(RECORDS);
    expect(output.filter((r) => r.src === 'slow')).to.have.length(RECORDS);
  });

  it('without alignment the same sources drift far apart (the check above is not vacuous)', async () => {
    const { reads, output } = await run(false);
    expect(largestLead(reads)).to.be.greaterThan(10 * (MAX_DRIFT + BATCH * FAST_STEP));
    expect(output).to.have.length(2 * RECORDS);
  });

  it('a group: the lowest active watermark sets the bound; idle and departed members do not hold it back; a wait ends when the group catches up', async () => {
    const a = joinAlignmentGroup('spec#0', 'g', 100);
    const b = joinAlignmentGroup('spec#0', 'g', 100);
    // b has no watermark yet (−∞): a may not read past it once it has one.
    a.report(50);
    expect(a.mayRead()).to.equal(false);
    b.report(0);
    expect(a.mayRead()).to.equal(true);
    a.report(150);
    expect(a.mayRead()).to.equal(false);
    let released = false;
    const waiting = a.whenMayRead().then(() => (released = true));
    b.report(40);
    await Promise.resolve();
    expect(released).to.equal(false);
    b.report(50);
    await waiting;
    expect(released).to.equal(true);
    // An idle member does not hold the group back; reporting again makes it count.
    a.report(1000);
    b.idle();
    expect(a.mayRead()).to.equal(true);
    b.report(60);
    expect(a.mayRead()).to.equal(false);
    // A member that leaves releases the others.
    const left = a.whenMayRead();
    b.leave();
    await left;
    expect(a.mayRead()).to.equal(true);
    expect(() => joinAlignmentGroup('spec#0', 'g', 5)).to.throw("watermark alignment group 'g' has maxDrift 100 ms, and a source joins it with 5 ms");
    a.leave();
    // The group is gone with its last member: another maxDrift starts a new one.
    joinAlignmentGroup('spec#0', 'g', 5).leave();
  });

  it('refuses a strategy it cannot apply: alignment without watermarks, and alignment away from the source when the job opens', async () => {
    expect(() => WatermarkStrategy.noWatermarks<number>().withWatermarkAlignment('g', Time.seconds(1))).to.throw('withWatermarkAlignment: noWatermarks() makes no watermarks to align');
    expect(() => WatermarkStrategy.forMonotonousTimestamps<number>().withWatermarkAlignment('', Time.seconds(1))).to.throw('withWatermarkAlignment: the group needs a name');
    const env = StreamEnvironment.create({ parallelism: 1 });
    const job = env
      .fromCollection([1, 2, 3])
      .keyBy((x) => x % 2)
      .map((x) => x)
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((x) => x).withWatermarkAlignment('g', Time.seconds(1)))
      .executeAndCollect();
    let failure: unknown;
    await job.catch((e: unknown) => (failure = e));
    expect(String(failure)).to.contain("withWatermarkAlignment('g', ...) pauses a source, so its assignTimestampsAndWatermarks must come right after the source");
  });
});
