import { expect } from 'chai';
import { sqlRefusal as refusal } from '../support/sqlRefusal';
import { StreamEnvironment } from '../../src';
import { SqlValidationError, TableEnvironment } from '../../src/sql';

function tableEnv() {
  const env = StreamEnvironment.create({ parallelism: 1 });
  const tEnv = TableEnvironment.create(env);
  tEnv.executeSql(`CREATE TABLE bids (
    item STRING,
    price DOUBLE,
    bidder INT,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
  ) WITH ('connector' = 'datagen', 'number-of-rows' = '10')`);
  tEnv.executeSql("CREATE TABLE `out` (item STRING, n BIGINT) WITH ('connector' = 'filesystem', 'path' = '/tmp/unused', 'format' = 'csv')");
  return tEnv;
}

describe('sql: bad statements are refused before anything runs, every problem with its position', () => {
  it('a syntax error names what was expected, where', () => {
    expect(refusal(() => tableEnv().sqlQuery('SELECT item,\n  FROM bids'))).to.deep.equal(["2:3 expected an expression but found 'FROM'"]);
    expect(refusal(() => tableEnv().sqlQuery("SELECT item FROM bids WHERE price > 'x"))).to.deep.equal(['1:37 unterminated string literal']);
    expect(refusal(() => tableEnv().sqlQuery('SELECT item FROM bids WHERE'))).to.deep.equal(['1:28 expected an expression but found the end of the statement']);
    expect(refusal(() => tableEnv().executeSql('CREATE TABLE t (a INT) WITH (connector = datagen)'))).to.deep.equal(["1:42 expected an option value (a quoted string) but found 'datagen'"]);
    expect(refusal(() => tableEnv().executeSql("CREATE TABLE t (a INT) WITH (connector = 'datagen')"))).to.deep.equal(["1:30 an option name is a quoted string: write 'connector'"]);
  });

  it('every syntax error of a statement is listed at once, each where it is', () => {
    expect(refusal(() => tableEnv().sqlQuery('SELECT item, price FROM bids WHERE price > AND bidder = 3 GROUP item'))).to.deep.equal([
      "1:44 expected an expression but found 'AND'",
      "1:65 missing 'BY' before 'item'",
    ]);
    expect(refusal(() => tableEnv().sqlQuery('SELECT item,\nFROM bids\nWHERE price >\nGROUP BY item'))).to.deep.equal([
      "2:1 expected an expression but found 'FROM'",
      "4:1 expected an expression but found 'GROUP'",
    ]);
  });

  it("a reserved word of Flink SQL used as a name is refused with the hint to backquote it, every one of them", () => {
    const tEnv = tableEnv();
    expect(refusal(() => tEnv.executeSql("CREATE TABLE clicks (user STRING, dateTime TIMESTAMP(3)) WITH ('connector' = 'datagen')"))).to.deep.equal([
      "1:22 'user' is a reserved word in Flink SQL: write `user` (in backquotes) to use it as a name",
      "1:35 'dateTime' is a reserved word in Flink SQL: write `dateTime` (in backquotes) to use it as a name",
    ]);
    tEnv.executeSql("CREATE TABLE clicks (`user` STRING, `dateTime` TIMESTAMP(3)) WITH ('connector' = 'datagen')");
    expect(refusal(() => tEnv.sqlQuery('SELECT user, COUNT(*) FROM clicks GROUP BY user'))).to.deep.equal([
      "1:8 'user' is a reserved word in Flink SQL: write `user` (in backquotes) to use it as a name",
      "1:44 'user' is a reserved word in Flink SQL: write `user` (in backquotes) to use it as a name",
    ]);
    expect(tEnv.sqlQuery('SELECT `user`, COUNT(*) AS n FROM clicks GROUP BY `user`').fields.map((f) => `${f.name} ${f.type}`)).to.deep.equal(['user STRING', 'n BIGINT']);
  });

  it('unknown table, column and function, and type mismatches, all listed at once', () => {
    const problems = refusal(() =>
      tableEnv().sqlQuery(`SELECT itme, PRICE_OF(item), price + item
FROM bids
WHERE bidder = 'anyone' AND UPPER(price) = 'X'`),
    );
    expect(problems).to.deep.equal([
      '1:8 unknown column \'itme\' (columns in scope: item, price, bidder, ts)',
      '1:14 unknown function PRICE_OF',
      '1:36 + needs numbers (or a TIMESTAMP and an INTERVAL) but got DOUBLE + STRING',
      "3:14 cannot compare bidder (INT) with 'anyone' (STRING)",
      '3:29 UPPER takes a string; got UPPER(DOUBLE)',
    ]);
    expect(refusal(() => tableEnv().sqlQuery('SELECT * FROM bidz'))).to.deep.equal(["1:15 unknown table 'bidz' (known: bids, out)"]);
  });

  it('aggregation mistakes: a column outside GROUP BY, SUM of a string, an aggregate in WHERE', () => {
    expect(refusal(() => tableEnv().sqlQuery('SELECT item, bidder, SUM(item) FROM bids WHERE COUNT(*) > 1 GROUP BY item'))).to.deep.equal([
      '1:14 column \'bidder\' must be in GROUP BY or inside an aggregate function',
      '1:22 SUM needs a number but item is STRING',
      '1:48 aggregate function COUNT is not allowed in WHERE',
    ]);
  });

  it('window functions: the time column must be a time attribute, sizes must be intervals', () => {
    expect(refusal(() => tableEnv().sqlQuery("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(price), INTERVAL '10' SECOND)) GROUP BY window_start, window_end"))).to.deep.equal([
      '1:72 DESCRIPTOR(price) must name a time attribute of the input (a column with WATERMARK FOR in its table)',
    ]);
    expect(refusal(() => tableEnv().sqlQuery("SELECT * FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), 10, INTERVAL '1' HOUR))"))).to.deep.equal([
      '1:53 the HOP slide must be a positive INTERVAL literal such as INTERVAL \'10\' SECOND, got 10',
    ]);
    expect(refusal(() => tableEnv().sqlQuery("SELECT * FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '1' SECOND, INTERVAL '1' WEEK))"))).to.deep.equal([
      '1:74 unsupported interval unit WEEK: use MILLISECOND, SECOND, MINUTE, HOUR, DAY',
    ]);
    expect(refusal(() => tableEnv().sqlQuery("SELECT * FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '1' SECOND, INTERVAL '1' FORTNIGHT))"))).to.deep.equal([
      "1:87 expected an interval unit (MILLISECOND, SECOND, MINUTE, HOUR, DAY) after INTERVAL '1' but found 'FORTNIGHT'",
    ]);
  });

  it('ORDER BY on a stream: only an ascending time attribute first, or with a LIMIT; each refusal where it is written', () => {
    const never = 'whose order is never final; add a LIMIT for a continuous Top-N (ORDER BY ... LIMIT n), or run the query in batch mode';
    expect(refusal(() => tableEnv().sqlQuery('SELECT item, price FROM bids ORDER BY price'))).to.deep.equal([
      `1:39 ORDER BY on an unbounded stream must sort first by an ascending time attribute (a column with a WATERMARK), but it sorts by price, which is not a time attribute, ${never}`,
    ]);
    expect(refusal(() => tableEnv().sqlQuery('SELECT item, ts\nFROM bids\nORDER BY ts DESC, item'))).to.deep.equal([
      `3:10 ORDER BY on an unbounded stream must sort first by an ascending time attribute (a column with a WATERMARK), but it sorts by ts DESC ${never}`,
    ]);
    expect(refusal(() => tableEnv().sqlQuery('SELECT item, ts FROM bids ORDER BY ts OFFSET 3'))).to.deep.equal([
      '1:39 OFFSET on an unbounded stream needs a LIMIT (ORDER BY ... LIMIT n OFFSET m is a continuous Top-N); or run the query in batch mode',
    ]);
    expect(refusal(() => tableEnv().sqlQuery('SELECT item, MAX(ts) AS ts FROM bids GROUP BY item ORDER BY ts'))).to.deep.equal([
      `1:61 ORDER BY on an unbounded stream must sort first by an ascending time attribute (a column with a WATERMARK), but it sorts by ts, which is not a time attribute, ${never}`,
    ]);
    expect(refusal(() => tableEnv().sqlQuery('SELECT item FROM bids ORDER BY price LIMIT n'))).to.deep.equal([
      '1:44 LIMIT takes a number of rows (a non-negative integer literal), got n',
    ]);
    expect(refusal(() => tableEnv().sqlQuery('SELECT item FROM bids ORDER BY nope, ts LIMIT 2'))).to.deep.equal([
      "1:32 unknown column 'nope' (columns in scope: item)",
      "1:38 unknown column 'ts' (columns in scope: item)",
    ]);
    // The same queries run on a stream with a LIMIT, or in batch mode.
    expect(tableEnv().sqlQuery('SELECT item, price FROM bids ORDER BY price LIMIT 3').isUpdating).to.equal(true);
    const batch = TableEnvironment.create(StreamEnvironment.create({ parallelism: 1 }), { mode: 'batch' });
    batch.executeSql("CREATE TABLE bids (item STRING, price DOUBLE, ts TIMESTAMP(3)) WITH ('connector' = 'datagen', 'number-of-rows' = '10')");
    expect(batch.explainSql('SELECT item, price FROM bids ORDER BY price OFFSET 3')).to.equal(
      ['SortLimit(orderBy=[price ASC NULLS FIRST], offset=[3], fetch=[ALL])', '+- Calc(select=[item, price])', '   +- TableSourceScan(table=[bids], fields=[item, price, ts])'].join('\n'),
    );
  });

  it('unsupported constructs are refused with a hint', () => {
    expect(refusal(() => tableEnv().sqlQuery('SELECT item FROM bids UNION SELECT item FROM bids'))).to.deep.equal(['1:23 only UNION ALL is supported (UNION without ALL would remove duplicates)']);
    expect(refusal(() => tableEnv().sqlQuery('SELECT *, ROW_NUMBER() OVER (ORDER BY price) AS r FROM bids'))).to.deep.equal([
      '1:11 ROW_NUMBER() OVER (...) needs a filter on its result in the enclosing query (e.g. WHERE rownum <= 3)',
    ]);
    expect(refusal(() => tableEnv().sqlQuery('SELECT a.item FROM bids AS a JOIN bids AS b ON a.price > b.price'))).to.deep.equal([
      '1:30 a join needs at least one equality between a column of each side in ON (e.g. a.id = b.id)',
    ]);
  });

  it('rankings: only ROW_NUMBER, RANK and DENSE_RANK, without arguments, with ORDER BY and a filter on the result', () => {
    // SUM() OVER is an OVER aggregation (overAggregates.spec.ts), refused here for its order.
    expect(refusal(() => tableEnv().sqlQuery('SELECT * FROM (SELECT item, SUM(price) OVER (PARTITION BY item ORDER BY price) AS s FROM bids) WHERE s <= 1'))).to.deep.equal([
      '1:73 OVER (... ORDER BY price): an OVER aggregation is ordered by a time attribute of its input (a column with WATERMARK FOR), ascending; price is not one',
    ]);
    expect(refusal(() => tableEnv().sqlQuery('SELECT * FROM (SELECT item, RANK(price) OVER (ORDER BY price) AS r FROM bids) WHERE r <= 3'))).to.deep.equal(['1:29 RANK() takes no arguments']);
    expect(refusal(() => tableEnv().sqlQuery('SELECT item,\n  DENSE_RANK() OVER (PARTITION BY item) AS r FROM bids'))).to.deep.equal([
      '2:3 DENSE_RANK() OVER (...) needs an ORDER BY',
      '2:3 DENSE_RANK() OVER (...) needs a filter on its result in the enclosing query (e.g. WHERE rownum <= 3)',
    ]);
    // The grammar allows OVER only in a select list: elsewhere it is a syntax error.
    expect(refusal(() => tableEnv().sqlQuery('SELECT item FROM bids WHERE RANK() OVER (ORDER BY price) = 1'))).to.deep.equal([
      "1:36 unexpected 'OVER'",
      "1:58 unexpected '='",
    ]);
    expect(refusal(() => tableEnv().sqlQuery('SELECT item, RANK() OVER (ORDER BY price) AS r FROM bids'))).to.deep.equal([
      '1:14 RANK() OVER (...) needs a filter on its result in the enclosing query (e.g. WHERE rownum <= 3)',
    ]);
  });

  it('HAVING beside OVER has no groups to filter: refused at the HAVING, for an OVER aggregation and for a ranking, not dropped', () => {
    expect(refusal(() => tableEnv().sqlQuery('SELECT item, SUM(price) OVER (PARTITION BY item ORDER BY ts) AS s FROM bids HAVING price > 1'))).to.deep.equal([
      '1:90 HAVING needs GROUP BY or an aggregate, and SUM(...) OVER computes a value per row: filter on it in an enclosing query',
    ]);
    expect(refusal(() => tableEnv().sqlQuery('SELECT * FROM (SELECT item, ROW_NUMBER() OVER (PARTITION BY item ORDER BY price) AS rn FROM bids HAVING price > 1) WHERE rn <= 3'))).to.deep.equal([
      '1:111 HAVING needs GROUP BY or an aggregate, and ROW_NUMBER() OVER computes a value per row: filter on it in an enclosing query',
    ]);
  });

  it('CASE: a WHEN that does not fit is reported at its condition, a THEN whose type does not fit at its result', () => {
    expect(refusal(() => tableEnv().sqlQuery("SELECT CASE WHEN price THEN 1 WHEN bidder > 1 THEN 'x' END AS c FROM bids"))).to.deep.equal([
      '1:18 WHEN needs a BOOLEAN condition but price is DOUBLE',
      '1:52 the results of CASE mix INT and STRING',
    ]);
    expect(refusal(() => tableEnv().sqlQuery("SELECT CASE item WHEN 'a' THEN item WHEN 3 THEN bidder ELSE 'none' END AS c FROM bids"))).to.deep.equal([
      '1:42 WHEN 3 (INT) cannot be compared with item (STRING)',
      '1:49 the results of CASE mix STRING and INT',
    ]);
  });

  it('CREATE TABLE: unknown types, connectors and options, a bad watermark', () => {
    // An unknown type is a syntax error (the grammar knows the type names): it comes alone.
    expect(refusal(() => tableEnv().executeSql("CREATE TABLE t (\n  a INTEGR,\n  b STRING\n) WITH ('connector' = 'datagen')"))).to.deep.equal([
      '2:5 unknown type INTEGR (supported: TINYINT, SMALLINT, INT, INTEGER, BIGINT, FLOAT, REAL, DOUBLE, DECIMAL, DEC, NUMERIC, STRING, VARCHAR, CHAR, BOOLEAN, TIMESTAMP, TIMESTAMP_LTZ, DATE)',
    ]);
    expect(
      refusal(() =>
        tableEnv().executeSql(`CREATE TABLE t (
  a ARRAY<INT>,
  b STRING,
  WATERMARK FOR b AS b - INTERVAL '1' SECOND
) WITH ('connector' = 'datagen', 'rows' = '5')`),
      ),
    ).to.deep.equal([
      '2:5 unknown type ARRAY<INT> (supported: TINYINT, SMALLINT, INT, INTEGER, BIGINT, FLOAT, REAL, DOUBLE, DECIMAL, DEC, NUMERIC, STRING, VARCHAR, CHAR, BOOLEAN, TIMESTAMP, TIMESTAMP_LTZ, DATE)',
      "4:3 WATERMARK FOR needs a TIMESTAMP column, but 'b' is STRING",
      "5:34 unknown option 'rows' for this connector (supported: 'number-of-rows', 'rows-per-second', 'fields.<name>.kind' ('sequence' or 'random'), 'fields.<name>.start', 'fields.<name>.end', 'fields.<name>.min', 'fields.<name>.max', 'fields.<name>.length')",
    ]);
    expect(refusal(() => tableEnv().executeSql("CREATE TABLE t (a INT) WITH ('connector' = 'jdbc')"))).to.deep.equal([
      "1:30 unknown connector 'jdbc': use one of datagen, filesystem, print, blackhole, kafka",
    ]);
  });

  it('INSERT INTO: the target must exist and take the query\'s columns and changes', () => {
    expect(refusal(() => tableEnv().executeSql('INSERT INTO nowhere SELECT item FROM bids'))).to.deep.equal(["1:1 unknown table 'nowhere' (known: bids, out)"]);
    expect(refusal(() => tableEnv().executeSql('INSERT INTO `out` SELECT item, price FROM bids'))).to.deep.equal(["1:1 INSERT INTO out: column 2 is DOUBLE but 'n' is BIGINT"]);
    expect(refusal(() => tableEnv().executeSql('INSERT INTO `out` SELECT item, COUNT(*) FROM bids GROUP BY item'))).to.deep.equal([
      "1:1 table 'out' takes only inserts, but the query produces updates (GROUP BY, LEFT JOIN, continuous Top-N): aggregate over a window, or write to a table whose connector takes changelogs (print, blackhole)",
    ]);
  });

  it('the error message lists every problem, one a line', () => {
    expect(() => tableEnv().sqlQuery('SELECT x, y FROM bids')).to.throw(
      SqlValidationError,
      "the statement was refused:\n  - line 1, column 8: unknown column 'x' (columns in scope: item, price, bidder, ts)\n  - line 1, column 11: unknown column 'y' (columns in scope: item, price, bidder, ts)",
    );
  });
});
