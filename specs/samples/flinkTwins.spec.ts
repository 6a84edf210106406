import { expect } from 'chai';
import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { benchmarks } from '../../samples/bench/cases';
import { SideFigures, TWIN_ROWS, eventCount, median, parseTwinOptions } from '../../samples/flink-twins/twinFigures';

const SLUICE_SIDE = path.join(__dirname, '..', '..', 'samples', 'flink-twins', 'runSluiceSide.js');

describe('samples/flink-twins: the rows of make bench-flink and their Sluice side, without running Flink', () => {
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

  it('scales event counts, never below 4 (the steady mark is at a quarter), and takes medians without NaN', () => {
    expect(eventCount(TWIN_ROWS[1], 1)).to.equal(18_000_000);
    expect(eventCount(TWIN_ROWS[0], 0.1)).to.equal(6_000_000);
    expect(eventCount(TWIN_ROWS[0], 1e-9)).to.equal(4);
    expect(median([NaN, 3, 1])).to.equal(2);
    expect(median([NaN])).to.be.NaN;
  });

  for (const id of ['stateless', 'keyed']) {
    it(`${id}: the Sluice side measures its steady state from event events/4 in its own process, with the results of the plain loop`, async function () {
      this.timeout(60_000);
      const events = 40_000;
      const { stdout } = await promisify(execFile)(process.execPath, [SLUICE_SIDE, id, String(events)], { env: { ...process.env, SLUICE_LOG_LEVEL: 'warn' } });
      const figures = JSON.parse(stdout.trim()) as SideFigures;
      const expected = await benchmarks.find((b) => b.id === id)!.baseline(events);
      expect([figures.side, figures.benchmark, figures.events, figures.count]).to.deep.equal(['sluice', id, events, expected.count]);
      expect(figures.checksum).to.be.closeTo(expected.checksum, 1e-6 * Math.abs(expected.checksum));
      const steady = figures.steady!;
      expect(steady.events).to.equal(30_000);
      expect(steady.seconds).to.be.above(0).and.at.most(figures.jobSeconds);
      expect(steady.cpuSeconds).to.be.above(0).and.at.most(figures.processCpuSeconds);
    });
  }
});
