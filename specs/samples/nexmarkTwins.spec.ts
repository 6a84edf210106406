import { expect } from 'chai';
import { execFileSync } from 'child_process';
import { NexmarkGenerator } from '../../samples/nexmark/generator';
import { BENCH_CONFIG } from '../../samples/nexmark/benchSettings';
import { NexmarkEvent } from '../../samples/nexmark/model';
import { QUERY_IDS, QueryId } from '../../samples/nexmark/queries';
import * as reference from '../../samples/nexmark/reference';
import { runNexmarkJob } from '../../samples/nexmark/runNexmarkJob';
import { NEXMARK_ROWS } from '../../samples/flink-twins/nexmark';
import { NexmarkTally } from '../../samples/flink-twins/nexmarkChecksums';
import { eventLine } from '../../samples/flink-twins/nexmarkGeneratorCheck';
import { processCpuSeconds } from '../../samples/flink-twins/privateRedis';
import { formatSteadyTable, pairRatios, summarizeSteadyRow } from '../../samples/flink-twins/steadyFigures';
import { TwinRun, parseTwinOptions } from '../../samples/flink-twins/twinFigures';

/** The bench's generator (seed 42, 10,000 events per second): 20,000 events are 2 s of event time. */
const EVENTS = 20_000;

/** What `records` tally to, as the Flink twin's sink would count them. */
function tallyOf(id: QueryId, records: readonly unknown[], sql = false): { count: number; checksum: number } {
  const tally = new NexmarkTally(id, sql);
  tally.createWriter().write(records);
  return { count: tally.count, checksum: tally.checksum };
}

describe('samples/flink-twins: the Nexmark twins\' Sluice side, without running Flink', function () {
  this.timeout(120_000);
  const generator = new NexmarkGenerator(BENCH_CONFIG);
  const events: NexmarkEvent[] = Array.from({ length: EVENTS }, (_, n) => generator.event(n));

  for (const id of QUERY_IDS) {
    it(`${id}: the job of make bench-nexmark tallies as its result computed directly from the events`, async () => {
      const sink = new NexmarkTally(id);
      await runNexmarkJob(id, 'memory', EVENTS, sink);
      const expected = tallyOf(id, (reference[`${id}Reference`] as (e: readonly NexmarkEvent[]) => unknown[])(events));
      expect(expected.count, 'the input is big enough to give results').to.be.greaterThan(0);
      expect(sink.count).to.equal(expected.count);
      expect(sink.checksum).to.be.closeTo(expected.checksum, 1e-9 * Math.abs(expected.checksum));
    });
  }

  it('q4 counts each category\'s last average only: how many updates came before it does not matter', () => {
    const updates = [
      { category: 10, average: 5 },
      { category: 11, average: 7 },
      { category: 10, average: 6 },
    ];
    expect(tallyOf('q4', updates)).to.deep.equal({ count: 2, checksum: 10 + 6 + 11 + 7 });
    expect(tallyOf('q4', updates.slice(1))).to.deep.equal({ count: 2, checksum: 10 + 6 + 11 + 7 });
  });

  it('a SQL row tallies as the DataStream record it stands for; a retraction and a query without SQL twin are refused', () => {
    const start = Date.UTC(2026, 0, 1);
    expect(tallyOf('q5', [{ kind: '+I', row: { auction: 1000, num: 3, starttime: new Date(start), endtime: start + 10_000 } }], true)).to.deep.equal(
      tallyOf('q5', [{ auction: 1000, num: 3, start, end: start + 10_000 }]),
    );
    expect(() => tallyOf('q5', [{ kind: '-U', row: {} }], true)).to.throw('q5 in SQL: a -U row; the SQL twins are append-only');
    expect(() => new NexmarkTally('q3', true)).to.throw('q3 has no SQL twin; those that have: q0, q1, q2, q5');
  });

  it('writes an event as one line of all its fields, in model order (as GeneratorCheck.java)', () => {
    expect(eventLine({ kind: 'bid', auction: 1000, bidder: 1001, price: 250, dateTime: 7, extra: 'xy' })).to.equal('b|1000|1001|250|7|xy');
    expect(eventLine(events[0])).to.match(/^p\|1000\|[A-Za-z]+ [A-Za-z]+\|/);
  });

  it('has a row per query on memory state, per stateful query on Redis and per SQL twin, picked by id', () => {
    expect(NEXMARK_ROWS.map((r) => r.id)).to.deep.equal([...QUERY_IDS, 'q3-redis', 'q4-redis', 'q5-redis', 'q6-redis', 'q7-redis', 'q8-redis', 'q0-sql', 'q1-sql', 'q2-sql', 'q5-sql']);
    expect(parseTwinOptions(['q4-redis', 'q0'], {}, NEXMARK_ROWS).rows.map((r) => [r.query, r.sluice, r.flink])).to.deep.equal([
      ['q0', 'memory', 'heap'],
      ['q4', 'redis', 'rocksdb'],
    ]);
    expect(() => parseTwinOptions(['q9'], {}, NEXMARK_ROWS)).to.throw("unknown row 'q9'");
  });

  it('reads a process\'s CPU time from /proc/<pid>/stat as the process itself counts it', () => {
    for (let x = 0, i = 0; i < 3e7; i++) x += i; // some CPU time to measure
    const own = process.cpuUsage();
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
    expect(processCpuSeconds(process.pid, ticks)).to.be.closeTo((own.user + own.system) / 1e6, 0.1);
  });
});

describe('samples/flink-twins: the figures of the Nexmark rows, without running Flink', () => {
  const row = NEXMARK_ROWS[0];
  /** A run of 4M events: its last 3M took `steadyCpu` CPU-seconds (and 2 s); the whole run 10 s and `cpu` CPU-seconds. */
  const run = (side: 'sluice' | 'flink', steadyCpu: number, cpu: number, checksum = 8e6, redisCpuSeconds?: number): TwinRun => ({
    side,
    benchmark: 'q0 memory',
    events: 4_000_000,
    count: 3_680_000,
    checksum,
    jobSeconds: 9,
    jobCpuSeconds: cpu - 0.5,
    processCpuSeconds: cpu,
    peakRssMb: side === 'sluice' ? 80 : 400,
    steady: { events: 3_000_000, seconds: 2, cpuSeconds: steadyCpu },
    ...(redisCpuSeconds === undefined ? {} : { redisCpuSeconds }),
    wallSeconds: 10,
  });

  it('takes steady rates from the runs\' own steady figures, the ratio per pair and its median', () => {
    const pairs = [
      { sluice: run('sluice', 1, 2), flink: run('flink', 2, 8) },
      { sluice: run('sluice', 1.5, 2), flink: run('flink', 1.5, 8) },
      { sluice: run('sluice', 3, 4), flink: run('flink', 1, 8) },
    ];
    const s = summarizeSteadyRow(row, pairs);
    expect(pairRatios(s)).to.deep.equal([2, 1, 1 / 3]);
    expect(s.ratios.steady.perCpuSecond).to.equal(1);
    expect(s.rates.sluice.steady.perCpuSecond).to.equal(2_000_000);
    expect(s.ratios.withStartup.perCpuSecond).to.equal(4);
    expect([s.resultsMatch, s.peakRssMb]).to.deep.equal([true, { sluice: 80, flink: 400 }]);
    expect(formatSteadyTable([s])[2]).to.contain('1.00  2.00 1.00 0.33').and.contain('same (3,680,000)');
  });

  it('counts redis-server\'s CPU with the whole run\'s, says RESULTS DIFFER when the checksums do, and refuses a run without steady figures', () => {
    const s = summarizeSteadyRow(row, [{ sluice: run('sluice', 1, 2, 8e6, 2), flink: run('flink', 1, 8, 9e6) }]);
    expect(s.rates.sluice.withStartup.perCpuSecond).to.equal(1_000_000);
    expect(s.resultsMatch).to.equal(false);
    expect(formatSteadyTable([s])[2]).to.contain('RESULTS DIFFER');
    const { steady: _, ...withoutSteady } = run('flink', 1, 8);
    expect(() => summarizeSteadyRow(row, [{ sluice: run('sluice', 1, 2), flink: withoutSteady }])).to.throw('flink q0 memory: no steady figures in its result line');
  });
});
