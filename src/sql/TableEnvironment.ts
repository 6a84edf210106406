/**
 * The entry point of SQL, with Flink's names: `TableEnvironment.create(env)`, then
 * `executeSql` for CREATE TABLE / CREATE VIEW / INSERT INTO / EXPLAIN, `sqlQuery` for a
 * SELECT, `fromDataStream` to query a stream. Every statement is checked before anything
 * runs; a bad one throws a SqlValidationError listing each problem with its line and column.
 * Above ~300 lines on purpose: it is the public surface of SQL and the Table API, each method a
 * few lines handing over to the parser, the catalog or the planner (planning lives elsewhere).
 *
 * @example
 * const tEnv = TableEnvironment.create(env);
 * tEnv.executeSql(`CREATE TABLE clicks (user_name STRING, url STRING, ts TIMESTAMP(3),
 *   WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'filesystem', 'path' = 'clicks.csv')`);
 * const counts = tEnv.sqlQuery(`SELECT user_name, COUNT(*) AS n FROM clicks GROUP BY user_name`);
 * const changes = await counts.toChangelogStream().executeAndCollect();
 */
import { absurd } from 'fp-ts/function';
import { DataStream, SingleOutputStream } from '../api/DataStream';
import { StreamEnvironment } from '../api/StreamEnvironment';
import { InsertStatement, Query, Statement } from './ast';
import { Catalog, createTableEntry, defineColumns } from './Catalog';
import { Change, RowKind } from './Change';
import { explainPlan, PlanNode } from './logicalPlan';
import { parseColumnList, parseStatement } from './parseStatement';
import { Planner } from './Planner';
import { SqlPosition, SqlProblem, SqlValidationError } from './SqlProblem';
import { StatementSet } from './StatementSet';
import { explainInsert } from './explainInsert';
import { Table } from './Table';
import { BUILT_IN_CONNECTORS, TableSource } from './tableConnectors';
import { SqlDeadLetter } from './lineFormats';
import { TableConnectorFactory } from './TableConnectorFactory';
import { PrintSink } from '../connectors/PrintSink';
import { TranslationOptions, translate, translateToRecords } from './translateToDataStream';
import { Row } from './types';
import { UserDefinedFunction } from './UserDefinedFunction';
import { observed } from '../runtime/observed';
import { PlannedInsert, insertInto } from './insertInto';
import { TableConfig } from './TableConfig';
import { TableResult, done } from './TableResult';
import { recordReader } from './compiledRows';
import type { NotAsync } from '../api/functions';
import { FluentCall, FluentQuery, fromTable } from './tableOperations';

/** Options of `TableEnvironment.create`. */
export interface TableEnvironmentOptions {
  /**
   * 'streaming' (default): updating results are changelogs. 'batch': over bounded inputs,
   * aggregations and rankings emit only their final rows, at the end of the input.
   */
  readonly mode?: 'streaming' | 'batch';
}


/** Where SQL runs (see the example above): tables, views, functions and statements over a stream environment. */
export class TableEnvironment {
  private readonly catalog = new Catalog();
  private readonly config = new TableConfig();
  /** Dead-letter streams of the sources translated since the last job started. */
  private deadLetterStreams: DataStream<SqlDeadLetter>[] = [];
  /**
   * Names unnamed tables, per environment: a name (and the uids derived from it) then depends
   * only on the job's code, not on what the process ran before, so every task manager that
   * builds the job names them alike, and a restore finds their state again.
   */
  private anonymousTables = 0;

  private constructor(readonly env: StreamEnvironment, private readonly mode: 'streaming' | 'batch') {}

  /** A table environment whose queries become operators of `env`'s job. */
  static create(env: StreamEnvironment, options: TableEnvironmentOptions = {}): TableEnvironment {
    return new TableEnvironment(env, options.mode ?? 'streaming');
  }

  /** The settings of this environment's queries. */
  getConfig(): TableConfig {
    return this.config;
  }

  /** Runs one statement: CREATE TABLE, CREATE [TEMPORARY] VIEW, INSERT INTO, EXPLAIN (or a SELECT, whose changes `await` collects). */
  executeSql(sql: string): TableResult {
    const statement = this.parse(sql);
    switch (statement.kind) {
      case 'createTable': {
        const problems: SqlProblem[] = [];
        if (this.catalog.has(statement.name)) problems.push({ ...statement.pos, message: `table '${statement.name}' already exists` });
        const entry = createTableEntry(statement, problems, this.catalog);
        this.refuseIf(problems);
        this.catalog.register(entry);
        return done();
      }
      case 'createView': {
        const problems: SqlProblem[] = [];
        if (this.catalog.has(statement.name)) problems.push({ ...statement.pos, message: `table or view '${statement.name}' already exists` });
        new Planner(this.catalog, problems, this.mode).plan(statement.query);
        this.refuseIf(problems);
        this.catalog.register({ kind: 'view', name: statement.name, query: statement.query });
        return done();
      }
      case 'insert':
        return this.executeInserts([this.planInsert(statement)]);
      case 'statementSet': {
        const set = this.createStatementSet();
        const problems: SqlProblem[] = [];
        for (const insert of statement.inserts) {
          try {
            set.addPlannedInsert(this.planInsert(insert));
          } catch (e) {
            if (!(e instanceof SqlValidationError)) throw e;
            problems.push(...e.problems);
          }
        }
        this.refuseIf(problems);
        return set.execute();
      }
      case 'query': {
        const table = this.tableOf(this.planStatement(statement));
        // Observed (as every promise of a running job): a result never awaited does not end the process.
        const collected = table.toChangelogStream().executeAndCollect();
        return {
          kind: 'job',
          await: () => observed(collected.then(() => undefined)),
          collect: () => collected,
          print: () =>
            void collected.then(
              (rows) => rows.forEach((r) => console.log(`${r.kind}${JSON.stringify(r.row)}`)),
              (e: unknown) => console.error(`query failed: ${e instanceof Error ? e.message : String(e)}`),
            ),
        };
      }
      case 'explain': {
        const explanation = this.explainStatement(statement.statement);
        return { kind: 'explain', explanation, await: async () => undefined, print: () => console.log(explanation) };
      }
      default:
        return absurd(statement);
    }
  }

  /** Several INSERT INTO run together as one job (Flink's StatementSet): a table read by several of them is read once. */
  createStatementSet(): StatementSet {
    return new StatementSet(this);
  }

  /** @internal An INSERT INTO statement, checked and planned. */
  planInsertSql(sql: string): PlannedInsert {
    const statement = this.parse(sql);
    if (statement.kind !== 'insert') throw new SqlValidationError([{ ...statement.pos, message: 'addInsertSql takes an INSERT INTO statement' }]);
    return this.planInsert(statement);
  }

  /** @internal Writing a Table into a table of the catalog, checked. */
  planTableInsert(tableName: string, table: Table): PlannedInsert {
    return this.insertInto(tableName, table.plan, { line: 1, column: 1 }, []);
  }

  /**
   * @internal Runs the inserts as one job: every plan is translated into the same job graph,
   * each table source once (shared by the inserts that read it).
   */
  executeInserts(inserts: readonly PlannedInsert[]): TableResult {
    const scans = new Map<TableSource, DataStream<Change>>();
    for (const insert of inserts) insert.write(this.translatePlan(insert.plan, scans));
    if (this.deadLetterStreams.length > 0) {
      this.deadLetters().sinkTo(new PrintSink<SqlDeadLetter>((line) => process.stderr.write(line))).name('Dead letters').setParallelism(1);
    }
    const handle = this.env.execute(`insert-into_${inserts.map((i) => i.table).join(',')}`);
    return { kind: 'job', jobHandle: handle, await: () => handle.result, print: () => console.log(`job ${handle.jobName} started`) };
  }

  /** Plans a SELECT; the Table converts to a stream. */
  sqlQuery(select: string): Table {
    const statement = this.parse(select);
    if (statement.kind !== 'query') {
      throw new SqlValidationError([{ ...statement.pos, message: 'sqlQuery takes a SELECT (or UNION ALL) query; use executeSql for other statements' }]);
    }
    return this.tableOf(this.planStatement(statement));
  }

  /**
   * A table of the catalog (CREATE TABLE, CREATE VIEW, createTemporaryView), for the Table API:
   * `tEnv.from('orders').where($('amount').isGreater(10)).select($('customer'))` is planned as
   * `SELECT customer FROM orders WHERE amount > 10`.
   */
  from(name: string): Table {
    return this.planFluent(fromTable(name));
  }

  /**
   * @internal Plans a Table API call: its query goes through the same Planner as SQL's, and
   * every problem, the call's own and the planner's, is refused at once.
   */
  planFluent(call: FluentCall): Table {
    const { problems, query } = call;
    const plan = this.planQuery(query, problems);
    const fluent = { query, descriptions: call.positions.descriptions, open: call.open };
    if (problems.length > 0 && query.kind === 'ordered' && query.limit === undefined && this.mode === 'streaming') {
      // orderBy(...) [.offset(n)] is complete on a stream only with its fetch(n): when a LIMIT
      // cures every problem, the table is refused only if used without one.
      const withLimit: SqlProblem[] = [];
      this.planQuery({ ...query, limit: { rows: 1, pos: query.pos } }, withLimit);
      if (withLimit.length === 0) {
        const refused = call.positions.refusal(problems, ' (or follow it with fetch(n), a Top-N)');
        return new Table(this, plan, `UnnamedTable$${this.anonymousTables++}`, fluent, refused);
      }
    }
    call.positions.refuseIf(problems);
    return this.tableOf(plan, fluent);
  }

  /** The plan of a statement, as EXPLAIN prints it. */
  explainSql(sql: string): string {
    return this.explainStatement(this.parse(sql));
  }

  /**
   * A table over a stream of objects: `schema` lists the columns as CREATE TABLE does, with
   * computed columns and a WATERMARK, read from each record's properties of those names
   * (a Date becomes a TIMESTAMP's epoch milliseconds).
   *
   * @example
   * const bids = tEnv.fromDataStream(stream, "item STRING, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND");
   */
  fromDataStream<T extends object>(stream: DataStream<T>, schema: string): Table {
    const parsed = parseColumnList(schema);
    if (!parsed.ok) throw new SqlValidationError(parsed.problems);
    const problems: SqlProblem[] = [];
    const { physical, computed, fields, watermark } = defineColumns(parsed, problems, this.catalog.functions);
    this.refuseIf(problems);
    const names = physical.map((f) => f.name);
    // Node ids are reused once a job is executed: remember the node to tell a stale stream apart.
    const node = stream instanceof SingleOutputStream ? stream.node : undefined;
    const openMapped = <U>(env: StreamEnvironment, _deadLetters: unknown, then: (row: Row) => U): SingleOutputStream<U> => {
      if (node !== undefined && env.graph.nodes[node.id] !== node) {
        throw new Error('fromDataStream: the stream belongs to a job that was already executed; build the stream again for a new job (as in Flink, executing consumes the topology)');
      }
      const read = recordReader(names);
      return stream.map<U>((record: T) => then(read(record)) as NotAsync<U>).name('From DataStream');
    };
    const source: TableSource = { physical, computed, watermark, open: (env, deadLetters) => openMapped(env, deadLetters, (row) => row), openMapped };
    const name = `UnnamedTable$${this.anonymousTables++}`;
    this.catalog.register({ kind: 'table', name, fields, source });
    return new Table(this, { kind: 'scan', table: name, source, fields, updating: false }, name);
  }

  /** Registers a Table (from sqlQuery or fromDataStream) under a name other queries can use. */
  createTemporaryView(name: string, table: Table): void {
    this.catalog.register({ kind: 'plan', name, plan: table.plan });
  }

  /** Registers a user-defined scalar (ScalarFunction) or aggregate (SqlAggregateFunction) function. */
  createTemporarySystemFunction(name: string, fn: UserDefinedFunction): void {
    this.catalog.functions.set(name.toUpperCase(), fn);
  }

  /**
   * Registers a connector of the application's own under `name`, for CREATE TABLE ... WITH
   * ('connector' = name): its factory gets the table's columns and options (see
   * TableConnectorFactory). The built-in names cannot be taken.
   *
   * @example
   * tEnv.registerTableConnector('nexmark', nexmarkTableConnector);
   * tEnv.executeSql("CREATE TABLE bid (auction BIGINT, price BIGINT, `dateTime` TIMESTAMP(3)) WITH ('connector' = 'nexmark', 'kind' = 'bid', 'events' = '1000')");
   */
  registerTableConnector(name: string, factory: TableConnectorFactory): void {
    if (BUILT_IN_CONNECTORS.includes(name)) throw new Error(`registerTableConnector: '${name}' is a built-in connector (${BUILT_IN_CONNECTORS.join(', ')}); choose another name`);
    this.catalog.connectors.set(name, factory);
  }

  /** @internal Adds the plan's operators to the environment's job graph (reusing the streams of `scans`). */
  translatePlan(plan: PlanNode, scans?: Map<TableSource, DataStream<Change>>): DataStream<Change> {
    return translate(plan, this.env, this.translationOptions(scans));
  }

  private translationOptions(scans?: Map<TableSource, DataStream<Change>>): TranslationOptions {
    return {
      scans,
      batch: this.mode === 'batch',
      stateRetentionMs: this.config.stateRetentionMs,
      deadLetters: (stream) => this.deadLetterStreams.push(stream),
    };
  }

  /** @internal The plan's rows as records of its column names, made into `finish`'s result (toDataStream, toChangelogStream). */
  translatePlanToRecords<T>(plan: PlanNode, finish: (kind: RowKind, record: Record<string, unknown>) => T): DataStream<T> {
    return translateToRecords(plan, this.env, this.translationOptions(), finish);
  }

  /**
   * The input that tables read so far (for the next job) could not decode, and the rows OVER
   * aggregations dropped as late, with the reason: take it before executing the job, e.g. `tEnv.deadLetters().sinkTo(...)`. INSERT INTO jobs
   * write theirs to standard error.
   */
  deadLetters(): DataStream<SqlDeadLetter> {
    const [first, ...rest] = this.deadLetterStreams;
    if (first === undefined) throw new Error('no table that decodes text (filesystem, kafka) has been read, nor an OVER aggregation run, yet: convert the query to a stream first');
    this.deadLetterStreams = [];
    return rest.length === 0 ? first : first.union(...rest);
  }

  private tableOf(plan: PlanNode, fluent?: FluentQuery): Table {
    const name = `UnnamedTable$${this.anonymousTables++}`;
    this.catalog.register({ kind: 'plan', name, plan });
    return new Table(this, plan, name, fluent);
  }

  private parse(sql: string): Statement {
    const parsed = parseStatement(sql);
    if (!parsed.ok) throw new SqlValidationError(parsed.problems);
    return parsed.statement;
  }

  private refuseIf(problems: readonly SqlProblem[]): void {
    if (problems.length > 0) throw new SqlValidationError([...problems].sort((a, b) => a.line - b.line || a.column - b.column));
  }

  private planStatement(statement: Extract<Statement, { kind: 'query' }>): PlanNode {
    const problems: SqlProblem[] = [];
    const plan = this.planQuery(statement.query, problems);
    this.refuseIf(problems);
    return plan;
  }

  /** The plan of a query (SQL's or the Table API's), its problems added to `problems`. */
  private planQuery(query: Query, problems: SqlProblem[]): PlanNode {
    const plan = new Planner(this.catalog, problems, this.mode).plan(query);
    // In batch mode aggregations and rankings emit final rows only: the result is append-only
    // unless an outer join retracts its NULL-padded rows.
    return this.mode === 'batch' && !hasOuterJoin(plan) ? { ...plan, updating: false } : plan;
  }

  private planInsert(statement: InsertStatement): PlannedInsert {
    const problems: SqlProblem[] = [];
    const plan = new Planner(this.catalog, problems, this.mode).plan(statement.query);
    return this.insertInto(statement.table, plan, statement.pos, problems);
  }

  /** Checks that `plan` can be written into `tableName`; `problems` are those found so far. */
  private insertInto(tableName: string, plan: PlanNode, pos: SqlPosition, problems: SqlProblem[]): PlannedInsert {
    const planned = insertInto(this.catalog, this.mode, tableName, plan, pos, problems);
    this.refuseIf(problems);
    // Defined: a table that cannot be written is a problem, refused above.
    return planned!;
  }


  private explainStatement(statement: Statement): string {
    switch (statement.kind) {
      case 'query':
        return explainPlan(this.planStatement(statement));
      case 'insert':
        return explainInsert(this.planInsert(statement));
      default:
        throw new SqlValidationError([{ ...statement.pos, message: 'EXPLAIN takes a SELECT or an INSERT INTO' }]);
    }
  }
}

function hasOuterJoin(node: PlanNode): boolean {
  if (node.kind === 'join') return node.joinType !== 'INNER' || hasOuterJoin(node.left) || hasOuterJoin(node.right);
  if (node.kind === 'union') return node.inputs.some(hasOuterJoin);
  return 'input' in node ? hasOuterJoin(node.input) : false;
}
