import { expect } from 'chai';
import { SideFigures, TWIN_ROWS, TwinPair, TwinRun, TwinSide, eventCounts, formatTable, median, parseTwinOptions, sideRates, summarizeRow } from '../../samples/flink-twins/twinFigures';

/** A run of `side` with the given figures; the rest as a real run would have them. */
function run(side: TwinSide, events: number, wallSeconds: number, processCpuSeconds: number, count = events, checksum = 2 * events, peakRssMb = 100): TwinRun {
  const figures: SideFigures = { side, benchmark: 'keyed', events, count, checksum, jobSeconds: wallSeconds - 0.5, jobCpuSeconds: processCpuSeconds - 0.5, processCpuSeconds, peakRssMb };
  return { ...figures, wallSeconds };
}

/** Sluice: 1 s and 0.5 CPU-s of start-up, then 1M events/s on 1 core. Flink: 4 s and 8 CPU-s of start-up, then 2M events/s on 2 cores. */
function pair(sluiceRssMb = 80, flinkChecksum = 2 * 4_000_000): TwinPair {
  return {
    full: { sluice: run('sluice', 4_000_000, 5, 4.5, 4_000_000, 8_000_000, sluiceRssMb), flink: run('flink', 4_000_000, 6, 12, 4_000_000, flinkChecksum, 400) },
    short: { sluice: run('sluice', 1_000_000, 2, 1.5, 1_000_000, 2_000_000, 70), flink: run('flink', 1_000_000, 4.5, 9, 1_000_000, 2_000_000, 390) },
  };
}

describe('samples/flink-twins: the figures of make bench-flink, without running Flink', () => {
  it('runs every row by default, two pairs at scale 1, and picks rows by id in table order', () => {
    expect(parseTwinOptions([], {})).to.deep.equal({ rows: TWIN_ROWS, pairs: 2, scale: 1 });
    const picked = parseTwinOptions(['keyed-checkpointed', 'stateless'], { FLINK_BENCH_PAIRS: '3', FLINK_BENCH_SCALE: '0.5' });
    expect(picked.rows.map((r) => r.id)).to.deep.equal(['stateless', 'keyed-checkpointed']);
    expect([picked.pairs, picked.scale]).to.deep.equal([3, 0.5]);
  });

  it('refuses an unknown row, a pair count that is not a positive integer and a scale that is not a positive number', () => {
    expect(() => parseTwinOptions(['keyed', 'q5'], {})).to.throw("unknown row 'q5'; known: stateless, keyed, keyed-checkpointed");
    expect(() => parseTwinOptions([], { FLINK_BENCH_PAIRS: '1.5' })).to.throw("FLINK_BENCH_PAIRS must be a positive integer, got '1.5'");
    expect(() => parseTwinOptions([], { FLINK_BENCH_PAIRS: '0' })).to.throw("FLINK_BENCH_PAIRS must be a positive integer, got '0'");
    expect(() => parseTwinOptions([], { FLINK_BENCH_SCALE: 'fast' })).to.throw("FLINK_BENCH_SCALE must be a positive number, got 'fast'");
  });

  it('runs a short run of a quarter of the events beside each full run', () => {
    expect(eventCounts(TWIN_ROWS[1], 1)).to.deep.equal({ full: 6_000_000, short: 1_500_000 });
    expect(eventCounts(TWIN_ROWS[0], 0.1)).to.deep.equal({ full: 2_000_000, short: 500_000 });
  });

  it('gives rates with start-up from the full run, and steady rates from the difference of the two runs', () => {
    expect(sideRates(pair(), 'sluice')).to.deep.equal({ withStartup: { perSecond: 800_000, perCpuSecond: 4_000_000 / 4.5 }, steady: { perSecond: 1_000_000, perCpuSecond: 1_000_000 } });
    expect(sideRates(pair(), 'flink')).to.deep.equal({ withStartup: { perSecond: 4_000_000 / 6, perCpuSecond: 4_000_000 / 12 }, steady: { perSecond: 2_000_000, perCpuSecond: 1_000_000 } });
  });

  it('gives no steady rate (NaN, shown n/a) when the short run took as long as the full one', () => {
    const noisy: TwinPair = { ...pair(), short: { ...pair().short, flink: run('flink', 1_000_000, 6, 12) } };
    expect(sideRates(noisy, 'flink').steady.perSecond).to.be.NaN;
    expect(median([NaN, 3, 1])).to.equal(2);
    expect(median([NaN])).to.be.NaN;
  });

  it('takes the medians of the pairs and of their Sluice ÷ Flink ratios, the highest peak RSS, and checks the twins agree', () => {
    const summary = summarizeRow(TWIN_ROWS[1], [pair(80), pair(90)]);
    expect(summary.ratios.steady).to.deep.equal({ perSecond: 0.5, perCpuSecond: 1 });
    expect(summary.ratios.withStartup.perSecond).to.be.closeTo(1.2, 1e-12);
    expect(summary.peakRssMb).to.deep.equal({ sluice: 90, flink: 400 });
    expect(summary.resultsMatch).to.equal(true);
    const lines = formatTable([summary]);
    expect(lines[0].split(/\s{2,}/)).to.deep.equal(['row / side', 'events', 'events/s', 'events/CPU-s', 'steady events/s', 'steady events/CPU-s', 'peak RSS MB', 'check']);
    expect(lines[2]).to.match(/^keyed count \(ValueState, 50,000 keys\), p=2\s+4,000,000 \(short 1,000,000\)\s+same results$/);
    expect(lines[3].trim().split(/\s{2,}/)).to.deep.equal(['Sluice', '800,000', '888,889', '1,000,000', '1,000,000', '90']);
    expect(lines[4].trim().split(/\s{2,}/)).to.deep.equal(['Flink twin', '666,667', '333,333', '2,000,000', '1,000,000', '400']);
    expect(lines[5].trim().split(/\s{2,}/)).to.deep.equal(['Sluice ÷ Flink', '1.20', '2.67', '0.50', '1.00', '0.23']);
  });

  it('says RESULTS DIFFER when the twins saw different records', () => {
    const summary = summarizeRow(TWIN_ROWS[1], [pair(80), pair(80, 8_000_001)]);
    expect(summary.resultsMatch).to.equal(false);
    expect(formatTable([summary])[2]).to.match(/RESULTS DIFFER$/);
  });
});
