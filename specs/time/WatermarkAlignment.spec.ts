import { expect } from 'chai';
import { StreamEnvironment, Time, WatermarkStrategy } from '../../src';
import { CollectSink } from '../../src/connectors/CollectSink';
import { PollResult, Source, SourceReader } from '../../src/graph/Source';
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

  it('a paused source still takes checkpoints: the slow source stalls, the fast one waits at the bound, a checkpoint completes, and after the release the output is exact', async () => {
    const env = StreamEnvironment.create({ parallelism: 1, batchSize: BATCH });
    env.enableCheckpointing(3_600_000, 'exactly-once');
    const reads: Reading[] = [];
    const strategy = () =>
      WatermarkStrategy.forBoundedOutOfOrderness<Reading>(Time.milliseconds(0))
        .withTimestampAssigner((r) => (reads.push(r), r.ts))
        .withWatermarkAlignment('readings', Time.milliseconds(MAX_DRIFT));
    const stall = { until: 100, released: false };
    const fast = env.fromCollection(Array.from({ length: RECORDS }, (_, i): Reading => ({ src: 'fast', ts: i * FAST_STEP }))).assignTimestampsAndWatermarks(strategy());
    const slow = env.fromSource(new StallingSource(stall)).assignTimestampsAndWatermarks(strategy());
    const sink = new CollectSink<Reading>();
    fast.union(slow).sinkTo(sink);
    const job = env.execute('alignment under checkpoints');
    const highest = (src: Reading['src']) => Math.max(-Infinity, ...reads.filter((r) => r.src === src).map((r) => r.ts));
    // The slow source stops at its 100th record (ts 990, watermark 989). The fast one reads while
    // its watermark is at most 989 + 1000: after 3 batches (ts 2900, watermark 2899) it waits.
    await until(() => highest('slow') === (stall.until - 1) * SLOW_STEP && highest('fast') >= 2900);
    const fastReads = () => reads.filter((r) => r.src === 'fast').length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fastReads(), 'the fast source waits').to.equal(3 * BATCH);
    // Its task still takes a checkpoint (barriers from both sources, the job's state with it).
    await job.triggerCheckpoint();
    stall.released = true;
    const result = await job.result;
    expect(result.status).to.equal('finished');
    expect(largestLead(reads)).to.be.at.most(MAX_DRIFT + BATCH * FAST_STEP);
    expect(sorted(sink.records())).to.deep.equal(sorted(reads));
    expect(sink.records()).to.have.length(2 * RECORDS);
  });

  it('a group: the lowest active watermark sets the bound; idle and departed members do not hold it back; a wait ends when the group catches up', async () => {
    const a = joinAlignmentGroup('spec#0', 'g', 100);
    const b = joinAlignmentGroup('spec#0', 'g', 100);
    expect([a.first, b.first]).to.deep.equal([true, false]);
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

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The slow readings, which stop after `stall.until` records until `stall.released` (each poll then reads nothing). */
class StallingSource implements Source<Reading> {
  readonly name = 'Stalling Source';
  readonly parallel = false;
  constructor(private readonly stall: { until: number; released: boolean }) {}
  createReader(): SourceReader<Reading> {
    let next = 0;
    const stall = this.stall;
    return {
      poll(max, emit): PollResult {
        const end = Math.min(RECORDS, next + max, stall.released ? RECORDS : stall.until);
        for (; next < end; next++) emit({ src: 'slow', ts: next * SLOW_STEP });
        return next < RECORDS ? 'more' : 'end';
      },
      position: () => next,
    };
  }
}
