import { expect } from 'chai';
import { alternateRounds, roundsCell, sideOrder } from '../../samples/common/alternate';
import { median } from '../../samples/common/median';
import { HEADER, Outcome, Sample, basisOf, chosen, outputsCell, reading, roundRatios, rowLine, summaryLines } from '../../samples/bench-beside/besideReport';

const THROUGHPUT = { name: 'events/s', lowerIsBetter: false };
const P99 = { name: 'p99 ms', lowerIsBetter: true };
const run = (figure: number, perCpuSecond?: number, output?: string): Sample => ({ figure, ...(perCpuSecond !== undefined ? { perCpuSecond } : {}), ...(output !== undefined ? { output } : {}) });

describe('make bench-beside: alternation and report (samples/bench-beside, samples/common/alternate)', () => {
  describe('alternation', () => {
    it('starts every round with the next side', () => {
      expect([0, 1, 2, 3].map((i) => sideOrder(['before', 'after'], i))).to.deep.equal([
        ['before', 'after'],
        ['after', 'before'],
        ['before', 'after'],
        ['after', 'before'],
      ]);
      expect([0, 1, 2].map((i) => sideOrder(['SQL', 'DataStream', 'SQL before'], i))).to.deep.equal([
        ['SQL', 'DataStream', 'SQL before'],
        ['DataStream', 'SQL before', 'SQL'],
        ['SQL before', 'SQL', 'DataStream'],
      ]);
    });

    it('runs the rounds one run at a time in that order, calling beforeRound as each round begins', async () => {
      const calls: string[] = [];
      const rounds = await alternateRounds(
        ['before', 'after'] as const,
        3,
        async (side, round) => {
          calls.push(`${side} ${round}`);
          return `${side}${round}`;
        },
        (round) => calls.push(`round ${round}`),
      );
      expect(calls).to.deep.equal(['round 0', 'before 0', 'after 0', 'round 1', 'after 1', 'before 1', 'round 2', 'before 2', 'after 2']);
      expect(rounds).to.deep.equal([
        { before: 'before0', after: 'after0' },
        { before: 'before1', after: 'after1' },
        { before: 'before2', after: 'after2' },
      ]);
    });

    it('takes the middle value, the upper one of an even count, and shows it before the rounds', () => {
      expect(median([3, 1, 2])).to.equal(2);
      expect(median([4, 1, 3, 2])).to.equal(3);
      expect(roundsCell([0.97, 1.012, 0.985])).to.equal('**0.98** (0.97, 1.01, 0.98)');
    });
  });

  describe('rows chosen', () => {
    it('by id or by a prefix of whole parts, all without arguments', () => {
      const ids = ['bench/keyed', 'bench/keyed-metrics', 'nexmark/q5', 'nexmark/q5/redis', 'nexmark/q50'];
      expect(ids.filter((id) => chosen(id, []))).to.deep.equal(ids);
      expect(ids.filter((id) => chosen(id, ['bench/keyed']))).to.deep.equal(['bench/keyed']);
      expect(ids.filter((id) => chosen(id, ['nexmark/q5']))).to.deep.equal(['nexmark/q5', 'nexmark/q5/redis']);
      expect(ids.filter((id) => chosen(id, ['bench', 'nexmark/q50']))).to.deep.equal(['bench/keyed', 'bench/keyed-metrics', 'nexmark/q50']);
    });
  });

  describe('ratios', () => {
    it('are taken per CPU-second where every run measured CPU, on wall-clock otherwise, on the latency for a latency row', () => {
      expect(basisOf(THROUGHPUT, [run(100, 50), run(90, 40)])).to.equal('per CPU-second');
      expect(basisOf(THROUGHPUT, [run(100, 50), run(90)])).to.equal('wall-clock');
      expect(basisOf(P99, [run(12), run(15)])).to.equal('latency');
      expect(roundRatios('per CPU-second', [run(100, 50), run(100, 40)], [run(200, 25), run(100, 60)])).to.deep.equal([0.5, 1.5]);
      expect(roundRatios('wall-clock', [run(100, 50), run(100, 40)], [run(200, 25), run(50, 60)])).to.deep.equal([2, 0.5]);
    });

    it('read as worse or better only when every round is beyond 3% on the same side', () => {
      expect(reading([0.96, 0.9, 0.5], false)).to.equal('worse every round');
      expect(reading([0.96, 0.98, 0.5], false)).to.equal('no clear change');
      expect(reading([1.04, 1.2], false)).to.equal('better every round');
      expect(reading([1.04, 1.2], true)).to.equal('worse every round');
      expect(reading([0.5, 0.96], true)).to.equal('better every round');
      expect(reading([0.5, 1.5], true)).to.equal('no clear change');
    });
  });

  describe('outputs', () => {
    it('are the same when every run of both builds gave one output', () => {
      expect(outputsCell([run(1, 1, '7 outputs'), run(1, 1, '7 outputs')], [run(1, 1, '7 outputs')])).to.equal('same: 7 outputs');
      expect(outputsCell([run(1)], [run(2)])).to.equal('-');
    });

    it('differ when a build gave another, each build\'s listed', () => {
      expect(outputsCell([run(1, 1, '7 outputs')], [run(1, 1, '7 outputs'), run(1, 1, '8 outputs')])).to.equal('**DIFFER**: before 7 outputs; after 7 outputs / 8 outputs');
      expect(outputsCell([run(1, 1, '7 outputs')], [run(1)])).to.equal('**DIFFER**: before 7 outputs; after -');
    });
  });

  describe('the table', () => {
    const keyed: Outcome = {
      id: 'bench/keyed',
      kind: 'measured',
      figure: THROUGHPUT,
      before: [run(1_000_000, 800_000, '5 records'), run(900_000, 700_000, '5 records'), run(1_100_000, 900_000, '5 records')],
      after: [run(1_200_000, 760_000, '5 records'), run(1_000_000, 665_000, '5 records'), run(1_000_000, 855_000, '5 records')],
      loads: [2.04, 3.5, 2.96],
    };
    const latency: Outcome = {
      id: 'latency/80%/none',
      kind: 'measured',
      figure: { name: 'p99 ms at 8,000/s', lowerIsBetter: true },
      before: [run(10, undefined, '9 records'), run(20, undefined, '9 records')],
      after: [run(12, undefined, '9 records'), run(18, undefined, '10 records')],
      loads: [1, 1],
    };

    it('prints a measured row: medians, per CPU-second figures, the ratio of each round, its basis and reading, outputs, loads', () => {
      expect(HEADER[0]).to.equal('| row | figure | before | after | per CPU-s before / after | after ÷ before (rounds) | on | reading | outputs | load |');
      expect(rowLine(keyed)).to.equal(
        '| bench/keyed | events/s | 1,000,000 | 1,000,000 | 800,000 / 760,000 | **0.95** (0.95, 0.95, 0.95) | per CPU-second | worse every round | same: 5 records | 2.0, 3.5, 3.0 |',
      );
    });

    it('prints a latency row on its latency, lower being better', () => {
      expect(rowLine(latency)).to.equal(
        '| latency/80%/none | p99 ms at 8,000/s | 20.00 | 18.00 | - | **1.20** (1.20, 0.90) | latency (lower is better) | no clear change | **DIFFER**: before 9 records; after 9 records / 10 records | 1.0, 1.0 |',
      );
    });

    it('prints rows not measured as what they are, and sums up', () => {
      const others: Outcome[] = [
        { id: 'bench/new-row', kind: 'not in before' },
        { id: 'bench/redis-keyed', kind: 'skipped', why: 'no Redis answers at redis://127.0.0.1:6379' },
        { id: 'instances/2', kind: 'failed', why: 'instances/2: process 1 exited with code 1' },
      ];
      expect(others.map(rowLine)).to.deep.equal([
        '| bench/new-row | | | | | | | not in the before build (a newer row) | | |',
        '| bench/redis-keyed | | | | | | | skipped: no Redis answers at redis://127.0.0.1:6379 | | |',
        '| instances/2 | | | | | | | **FAILED**: instances/2: process 1 exited with code 1 | | |',
      ]);
      expect(summaryLines([keyed, latency, ...others])).to.deep.equal([
        '2 rows measured; worse every round (by more than 3%): bench/keyed',
        'outputs differ: latency/80%/none',
        'failed: instances/2',
        'skipped: bench/redis-keyed',
        'not in the before build: bench/new-row',
      ]);
    });
  });
});
