import { expect } from 'chai';
import fc from 'fast-check';
import { AfterMatchSkipStrategy, CEP, CollectSink, Collector, Match, Pattern, PatternContext, PatternProcessFunction, StreamEnvironment, WatermarkStrategy } from '../../src';
import { patternProblems } from '../../src/cep/patternProblems';
import { TableEnvironment } from '../../src/sql';
import { Payment, payment, smallsThenLarge } from '../../samples/card-fraud/fraudPattern';
import { FRAUD_SQL, FraudRow, sqlAlerts } from '../../samples/card-fraud/fraudSql';
import { sqlRefusal as refusal } from '../support/sqlRefusal';

const T0 = Date.UTC(2024, 0, 1);

class FraudRows extends PatternProcessFunction<Payment, FraudRow> {
  processMatch(m: Match<Payment>, _ctx: PatternContext, out: Collector<FraudRow>): void {
    out.collect({ card: m.large[0].card, large_id: m.large[0].id, smalls_total: m.small.reduce((s, p) => s + p.amount, 0) });
  }
}

interface Ev {
  readonly id: number;
  readonly key: number;
  readonly kind: 'a' | 'b' | 'c';
  readonly v: number;
  readonly ts: number;
}

type Quantifier = '' | '*' | '+' | '?' | '{1}' | '{2}' | '{1,2}' | '{2,3}';
interface Term {
  readonly kind: Ev['kind'];
  /** is: the kind; big: and v > 4; sum: and the variable's v so far, this row's included, below 12 (an aggregate in DEFINE). */
  readonly op: 'is' | 'big' | 'sum';
  readonly quantifier: Quantifier;
}
type Skip = { readonly kind: 'PAST LAST ROW' | 'TO NEXT ROW' } | { readonly kind: 'TO FIRST' | 'TO LAST'; readonly variable: number };

const VARS = ['A', 'B', 'C'];
const RANGE: Record<Quantifier, [number, number]> = { '': [1, 1], '*': [0, Infinity], '+': [1, Infinity], '?': [0, 1], '{1}': [1, 1], '{2}': [2, 2], '{1,2}': [1, 2], '{2,3}': [2, 3] };

function sqlOf(terms: readonly Term[], skip: Skip, withinSeconds: number | undefined): string {
  const names = terms.map((_, i) => VARS[i]);
  const define = terms.map((t, i) => {
    const v = names[i];
    const extra = t.op === 'big' ? ` AND ${v}.v > 4` : t.op === 'sum' ? ` AND SUM(${v}.v) < 12` : '';
    return `${v} AS ${v}.kind = '${t.kind}'${extra}`;
  });
  const measures = names.flatMap((v) => [`FIRST(${v}.id) AS ${v}_first`, `LAST(${v}.id) AS ${v}_last`, `COUNT(${v}.id) AS ${v}_n`]);
  const after = 'variable' in skip ? `${skip.kind} ${names[skip.variable]}` : skip.kind;
  return `SELECT * FROM events MATCH_RECOGNIZE (
    PARTITION BY key ORDER BY ts
    MEASURES ${measures.join(', ')}
    ONE ROW PER MATCH AFTER MATCH SKIP ${after}
    PATTERN (${terms.map((t, i) => names[i] + t.quantifier).join(' ')})${withinSeconds === undefined ? '' : ` WITHIN INTERVAL '${withinSeconds}' SECOND`}
    DEFINE ${define.join(', ')})`;
}

/** The same pattern written with the Pattern API, as docs/sql.md says MATCH_RECOGNIZE maps to it. */
function patternOf(terms: readonly Term[], skip: Skip, withinSeconds: number | undefined): Pattern<Ev> {
  const strategy = !('variable' in skip)
    ? skip.kind === 'PAST LAST ROW'
      ? AfterMatchSkipStrategy.skipPastLastEvent()
      : AfterMatchSkipStrategy.skipToNext()
    : skip.kind === 'TO FIRST'
      ? AfterMatchSkipStrategy.skipToFirst(VARS[skip.variable])
      : AfterMatchSkipStrategy.skipToLast(VARS[skip.variable]);
  let p: Pattern<Ev> | undefined;
  terms.forEach((t, i) => {
    const name = VARS[i];
    p = p === undefined ? Pattern.begin<Ev>(name, strategy) : p.next(name);
    p = p.where((e, ctx) => e.kind === t.kind && (t.op !== 'big' || e.v > 4) && (t.op !== 'sum' || ctx.getEventsForPattern(name).reduce((s, x) => s + x.v, e.v) < 12));
    const [min, max] = RANGE[t.quantifier];
    if (max > 1) {
      p = max === Infinity ? p.timesOrMore(Math.max(min, 1)) : p.times(Math.max(min, 1), max);
      p = p.consecutive();
      if (max > Math.max(min, 1)) p = p.greedy();
    }
    if (min === 0) p = p.optional();
  });
  return withinSeconds === undefined ? p! : p!.within(withinSeconds * 1000);
}

class Measures extends PatternProcessFunction<Ev, Record<string, unknown>> {
  constructor(private readonly vars: readonly string[]) {
    super();
  }
  processMatch(m: Match<Ev>, _ctx: PatternContext, out: Collector<Record<string, unknown>>): void {
    const row: Record<string, unknown> = { key: Object.values(m)[0][0].key };
    for (const v of this.vars) {
      const evs = m[v] ?? [];
      Object.assign(row, { [`${v}_first`]: evs[0]?.id ?? null, [`${v}_last`]: evs.at(-1)?.id ?? null, [`${v}_n`]: evs.length });
    }
    out.collect(row);
  }
}

const termArb: fc.Arbitrary<Term> = fc.record({
  kind: fc.constantFrom<Ev['kind']>('a', 'b'),
  op: fc.constantFrom<Term['op']>('is', 'is', 'is', 'big', 'sum'),
  quantifier: fc.constantFrom<Quantifier>('', '*', '+', '?', '{1}', '{2}', '{1,2}', '{2,3}'),
});

const caseArb = fc
  .record({
    terms: fc.array(termArb, { minLength: 1, maxLength: 3 }),
    last: fc.constantFrom<Quantifier>('', '{2}'),
    skip: fc.oneof(
      fc.constantFrom<Skip>({ kind: 'PAST LAST ROW' }, { kind: 'TO NEXT ROW' }),
      fc.record({ kind: fc.constantFrom<'TO FIRST' | 'TO LAST'>('TO FIRST', 'TO LAST'), variable: fc.integer({ min: 0, max: 2 }) }),
    ),
    within: fc.option(fc.integer({ min: 2, max: 8 }), { nil: undefined }),
  })
  // The last variable takes a fixed number of rows (a greedy one there is refused, as in Flink).
  .map(({ terms, last, skip, within }) => ({ terms: [...terms.slice(0, -1), { ...terms[terms.length - 1], quantifier: last }], skip, within }))
  .filter(({ terms, skip, within }) => patternProblems(patternOf(terms, skip, within) as Pattern<unknown>).length === 0);

// At least 12 rows: fast-check's default size keeps most arrays under 10, and most patterns find
// nothing in a handful of rows, which left the guard below at the mercy of the seed (6 of 60 cases).
const eventsArb = fc.array(fc.record({ key: fc.integer({ min: 0, max: 1 }), kind: fc.constantFrom<Ev['kind']>('a', 'b'), v: fc.integer({ min: 0, max: 9 }), step: fc.integer({ min: 1, max: 2 }) }), { minLength: 12, maxLength: 30 }).map((raw) => {
  // Timestamps rise strictly: rows of one time reach the operator in no defined order once the SQL scan runs in parallel.
  let s = 0;
  return raw.map((r, id): Ev => ({ id, key: r.key, kind: r.kind, v: r.v, ts: T0 + (s += r.step) * 1000 }));
});

const byKeyAndIds = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();

describe('sql: MATCH_RECOGNIZE on the CEP engine', function () {
  this.timeout(120_000);

  it('finds the card-fraud matches of the Pattern API, which are those of a plain scan', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const payments = env.fromGenerator(20_000, payment).setParallelism(1);
    const sqlSink = new CollectSink<FraudRow>();
    sqlAlerts(env, payments).sinkTo(sqlSink);
    const keyed = payments
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Payment>().withTimestampAssigner((p) => p.at))
      .setParallelism(1)
      .keyBy((p) => p.card);
    const apiSink = new CollectSink<FraudRow>();
    CEP.pattern(keyed, smallsThenLarge).process(new FraudRows()).sinkTo(apiSink);
    await env.execute('card fraud, SQL and Pattern API');
    const sorted = (rows: FraudRow[]) => [...rows].sort((a, b) => a.large_id - b.large_id);
    expect(sorted(sqlSink.records())).to.deep.equal(sorted(apiSink.records()));
    expect(sqlSink.records().length).to.be.greaterThan(50);
  });

  it('gives the matches of the same pattern in the Pattern API: random quantifiers, skip strategies, WITHIN and events', async () => {
    let withMatches = 0;
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, eventsArb, async ({ terms, skip, within }, events) => {
        const env = StreamEnvironment.create({ parallelism: 2 });
        const source = env.fromCollection(events).setParallelism(1);
        const tEnv = TableEnvironment.create(env);
        tEnv.createTemporaryView('events', tEnv.fromDataStream(source, 'id INT, key INT, kind STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts'));
        const sqlSink = new CollectSink<Record<string, unknown>>();
        tEnv.sqlQuery(sqlOf(terms, skip, within)).toDataStream().sinkTo(sqlSink);
        const apiSink = new CollectSink<Record<string, unknown>>();
        const keyed = source
          .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts))
          .setParallelism(1)
          .keyBy((e) => e.key);
        CEP.pattern(keyed, patternOf(terms, skip, within)).process(new Measures(VARS.slice(0, terms.length))).sinkTo(apiSink);
        await env.execute('MATCH_RECOGNIZE against the Pattern API');
        cases++;
        if (apiSink.records().length > 0) withMatches++;
        expect(byKeyAndIds(sqlSink.records())).to.deep.equal(byKeyAndIds(apiSink.records()));
      }),
      { numRuns: 60 },
    );
    // The property says something only where there are matches to find. About half the cases have
    // some (27, 34, 34 of 60 in three runs); a fifth is more than four standard deviations below.
    expect(withMatches).to.be.at.least(cases / 5);
  });

  it('computes measures and conditions over a variable\'s rows: FIRST, LAST with an offset, PREV, aggregates, another variable\'s last row', async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    // One symbol's prices: a V shape 12 11 10 13, then 9 8 14.
    const prices = [12, 11, 10, 13, 9, 8, 14].map((price, i) => ({ id: i + 1, symbol: 'XYZ', price, ts: T0 + i * 1000 }));
    tEnv.createTemporaryView('ticks', tEnv.fromDataStream(env.fromCollection(prices), 'id INT, symbol STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts'));
    const rows = await tEnv
      .sqlQuery(
        `SELECT * FROM ticks MATCH_RECOGNIZE (
           PARTITION BY symbol ORDER BY ts
           MEASURES FIRST(DOWN.id) AS first_down, LAST(DOWN.price, 1) AS before_bottom, MIN(DOWN.price) AS bottom,
             AVG(DOWN.price) AS avg_down, COUNT(*) AS n, UP.id AS up_id, PREV(UP.price) AS before_up, MATCH_ROWTIME() AS t
           AFTER MATCH SKIP PAST LAST ROW
           PATTERN (START_ROW DOWN+ UP)
           DEFINE DOWN AS DOWN.price < PREV(DOWN.price), UP AS UP.price > PREV(UP.price) AND UP.price > START_ROW.price)`,
      )
      .toDataStream()
      .executeAndCollect();
    expect(rows).to.deep.equal([
      { symbol: 'XYZ', first_down: 2, before_bottom: 11, bottom: 10, avg_down: 10, n: 4, up_id: 4, before_up: 10, t: T0 + 3000 },
      { symbol: 'XYZ', first_down: 6, before_bottom: null, bottom: 8, avg_down: 8, n: 3, up_id: 7, before_up: 8, t: T0 + 6000 },
    ]);
  });

  it('explains as a Match node with its pattern, skip strategy, window and conditions', () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    tEnv.createTemporaryView('payments', tEnv.fromDataStream(env.fromCollection<Payment>([]), 'id INT, card INT, amount INT, `at` TIMESTAMP(3), WATERMARK FOR `at` AS `at`'));
    expect(tEnv.explainSql(FRAUD_SQL)).to.equal(
      [
        'Calc(select=[card, large_id, smalls_total])',
        '+- Match(partitionBy=[card], orderBy=[at ASC], measures=[LAST(L.id) AS large_id, SUM(S.amount) AS smalls_total], rowsPerMatch=[ONE ROW PER MATCH], after=[SKIP PAST LAST ROW], pattern=[S{3} L], within=[300000ms], define=[S AS (S.amount < 1000), L AS (L.amount > 50000)])',
        '   +- TableSourceScan(table=[UnnamedTable$0], fields=[id, card, amount, at], watermark=[at - 0ms])',
      ].join('\n'),
    );
  });

  it('refuses what does not map to the engine when the query is parsed, every problem with its position', () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    tEnv.createTemporaryView('t', tEnv.fromDataStream(env.fromCollection<Ev>([]), 'id INT, key INT, kind STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts'));
    expect(refusal(() => tEnv.sqlQuery('SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts MEASURES A.id AS a ALL ROWS PER MATCH PATTERN (A B+? (C|D)) DEFINE A AS A.v > 1)'))).to.deep.equal([
      '1:65 unsupported: ALL ROWS PER MATCH (Sluice emits ONE ROW PER MATCH)',
      '1:97 unsupported: reluctant quantifiers (B+?): quantifiers are greedy',
    ]);
    expect(refusal(() => tEnv.sqlQuery('SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts MEASURES A.id AS a PATTERN (A {- B -} C) SUBSET X = (A, C) DEFINE A AS A.v > 1)'))).to.deep.equal([
      '1:76 unsupported: exclusions ({- ... -}) in PATTERN',
      '1:87 unsupported: SUBSET in MATCH_RECOGNIZE',
    ]);
    expect(
      refusal(() =>
        tEnv.sqlQuery(
          "SELECT * FROM t MATCH_RECOGNIZE (PARTITION BY v + 1 ORDER BY id MEASURES FIRST(A.id + B.id) AS x AFTER MATCH SKIP TO FIRST A PATTERN (A B C*) WITHIN INTERVAL '0' SECOND DEFINE A AS A.v, Z AS Z.v > 1)",
        ),
      ),
    ).to.deep.equal([
      '1:49 MATCH_RECOGNIZE partitions by columns, but PARTITION BY has (v + 1)',
      '1:62 MATCH_RECOGNIZE is ordered by a time attribute, ascending (a column with a WATERMARK), but ORDER BY has id',
      '1:74 FIRST(...) in MEASURES reads the rows of one variable, but A and B are named',
      '1:98 AFTER MATCH SKIP TO FIRST A: that is the first row of the match, so matching would start again where it started',
      '1:139 the last variable of PATTERN cannot take a varying number of rows (C* is greedy: a variable after it ends its rows): add a variable after it, e.g. PATTERN (... C* E) DEFINE E AS NOT (the condition of C)',
      "1:150 WITHIN takes a positive interval, e.g. WITHIN INTERVAL '5' MINUTE, but found INTERVAL '0' SECOND",
      '1:182 DEFINE A needs a BOOLEAN condition but A.v is INT',
      '1:187 DEFINE Z: no variable Z in PATTERN (A B C)',
    ]);
  });

  it('refuses CLASSIFIER() and MATCH_NUMBER(), which Flink SQL lacks too, saying what to write instead', () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    tEnv.createTemporaryView('t', tEnv.fromDataStream(env.fromCollection<Ev>([]), 'id INT, key INT, kind STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts'));
    expect(refusal(() => tEnv.sqlQuery('SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts MEASURES CLASSIFIER() AS c, MATCH_NUMBER() AS n PATTERN (A B) DEFINE A AS A.v > 1)'))).to.deep.equal([
      "1:55 unsupported: CLASSIFIER() in MATCH_RECOGNIZE (as in Flink SQL): MEASURES name a variable's rows instead, e.g. LAST(A.col), COUNT(A.col), MATCH_ROWTIME()",
      '1:74 unsupported: MATCH_NUMBER() in MATCH_RECOGNIZE (as in Flink SQL): each match is one output row; number them downstream, e.g. ROW_NUMBER() OVER (PARTITION BY ... ORDER BY the time attribute)',
    ]);
    // As names they are only reserved words.
    expect(refusal(() => tEnv.sqlQuery('SELECT id AS classifier FROM t'))).to.deep.equal([
      "1:14 'classifier' is a reserved word in Flink SQL: write `classifier` (in backquotes) to use it as a name",
    ]);
  });
});
