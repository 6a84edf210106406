/**
 * Statements of the FlinkSQL parse tree as Sluice's AST: CREATE [TEMPORARY] TABLE (columns,
 * computed columns, WATERMARK, WITH options), CREATE [TEMPORARY] VIEW, INSERT INTO, EXPLAIN
 * and queries. Other statements the grammar knows (DROP, ALTER, SHOW, SET...) are refused.
 */
import type {
  ColumnOptionDefinitionContext,
  ProgramContext,
  SimpleCreateTableContext,
  SqlStatementContext,
  WithOptionContext,
} from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import { ColumnDefinition, Expr, Statement } from '../ast';
import { SqlPosition } from '../SqlProblem';
import { visitColumnName, visitExpression, visitType } from './expressionVisitor';
import { describeToken } from './lexStatement';
import { visitQuery } from './queryVisitor';
import { at, nameOf, problem, textOf, tokensOf, unquote, unsupported, VisitScope } from './visitScope';

const STATEMENTS = 'SELECT, INSERT INTO, CREATE TABLE, CREATE VIEW, EXPLAIN';

/** The one statement of a program (a trailing `;` is allowed). */
export function visitProgram(scope: VisitScope, ctx: ProgramContext): Statement | undefined {
  const statements = ctx.singleStatement().flatMap((s) => s.sqlStatement() ?? []);
  if (statements.length === 0) {
    problem(scope, ctx.EOF(), `expected a statement (${STATEMENTS}) but found the end of the statement`);
    return undefined;
  }
  if (statements.length > 1) problem(scope, statements[1], `unexpected ${describeToken(statements[1].start!)} after the end of the statement: run one statement at a time`);
  return visitStatement(scope, statements[0]);
}

function visitStatement(scope: VisitScope, ctx: SqlStatementContext): Statement | undefined {
  const pos = at(ctx);
  const ddl = ctx.ddlStatement();
  const createTable = ddl?.createTable();
  if (createTable != null) {
    const simple = createTable.simpleCreateTable();
    if (simple !== null) return visitCreateTable(scope, simple);
    unsupported(scope, createTable, 'CREATE TABLE ... AS SELECT: create the table, then INSERT INTO it');
    return undefined;
  }
  const view = ddl?.createView();
  if (view != null) {
    if (view.ifNotExists() !== null) unsupported(scope, view.ifNotExists()!, 'IF NOT EXISTS');
    if (view.columnNameList() !== null) unsupported(scope, view.columnNameList()!, 'a column list in CREATE VIEW: name the columns with AS in the query');
    const path = view.viewPathCreate().identifier();
    return { kind: 'createView', name: nameOf(scope, path[path.length - 1]), query: visitQuery(scope, view.queryStatement()), pos };
  }
  const dml = ctx.dmlStatement();
  if (dml !== null) return visitDml(scope, dml, pos);
  const explain = ctx.explainStatement();
  if (explain !== null) {
    if (explain.explainDetails() !== null) unsupported(scope, explain.explainDetails()!, `EXPLAIN ${textOf(explain.explainDetails()!)}`);
    const inner = explain.dmlStatement();
    const insert = explain.insertSimpleStatement();
    const statement = inner !== null ? visitDml(scope, inner, at(inner)) : insert !== null ? visitInsert(scope, insert, at(insert)) : undefined;
    if (statement === undefined) {
      unsupported(scope, explain, 'EXPLAIN of this statement');
      return undefined;
    }
    return { kind: 'explain', statement, pos };
  }
  const words = tokensOf(ctx).slice(0, 2).map((t) => (t.text ?? '').toUpperCase()).join(' ');
  unsupported(scope, ctx, `the statement ${words} ... (Sluice runs ${STATEMENTS})`);
  return undefined;
}

type DmlContext = NonNullable<ReturnType<SqlStatementContext['dmlStatement']>>;
type InsertContext = NonNullable<ReturnType<NonNullable<ReturnType<DmlContext['insertStatement']>>['insertSimpleStatement']>>;

function visitDml(scope: VisitScope, ctx: DmlContext, pos: SqlPosition): Statement | undefined {
  const query = ctx.queryStatement();
  if (query !== null) return { kind: 'query', query: visitQuery(scope, query), pos };
  const insert = ctx.insertStatement()!;
  const simple = insert.insertSimpleStatement();
  if (simple === null) {
    // EXECUTE STATEMENT SET BEGIN ... END, or BEGIN STATEMENT SET; ... END: several inserts, one job.
    const set = insert.insertMulStatement() ?? insert.insertMulStatementCompatibility();
    const inserts = (set?.insertSimpleStatement() ?? []).flatMap((i) => {
      const statement = visitInsert(scope, i, at(i));
      return statement?.kind === 'insert' ? [statement] : [];
    });
    if (set === null || set.insertSimpleStatement().length === 0) problem(scope, insert, 'a statement set needs at least one INSERT INTO');
    return { kind: 'statementSet', inserts, pos };
  }
  return visitInsert(scope, simple, at(simple));
}

function visitInsert(scope: VisitScope, ctx: InsertContext, pos: SqlPosition): Statement | undefined {
  if (ctx.KW_OVERWRITE() !== null) unsupported(scope, ctx.KW_OVERWRITE()!, 'INSERT OVERWRITE');
  if (ctx.insertPartitionDefinition() !== null) unsupported(scope, ctx.insertPartitionDefinition()!, 'PARTITION in INSERT INTO');
  if (ctx.columnNameList() !== null) unsupported(scope, ctx.columnNameList()!, "a column list in INSERT INTO: the query's columns go to the table's columns in order");
  const path = ctx.tablePath().identifier();
  const table = nameOf(scope, path[path.length - 1]);
  const query = ctx.queryStatement();
  if (query === null) {
    unsupported(scope, ctx.valuesDefinition() ?? ctx, 'INSERT INTO ... VALUES');
    return undefined;
  }
  return { kind: 'insert', table, query: visitQuery(scope, query), pos };
}

export function visitCreateTable(scope: VisitScope, ctx: SimpleCreateTableContext): Statement {
  if (ctx.ifNotExists() !== null) unsupported(scope, ctx.ifNotExists()!, 'IF NOT EXISTS');
  if (ctx.tableConstraint() !== null) problem(scope, ctx.tableConstraint()!, 'PRIMARY KEY is not supported');
  if (ctx.selfDefinitionClause() !== null) unsupported(scope, ctx.selfDefinitionClause()!, 'PERIOD FOR SYSTEM_TIME');
  if (ctx.partitionDefinition() !== null) unsupported(scope, ctx.partitionDefinition()!, 'PARTITIONED BY');
  if (ctx.likeDefinition() !== null) unsupported(scope, ctx.likeDefinition()!, 'CREATE TABLE ... LIKE');
  const path = ctx.tablePathCreate().identifier();
  const columns = ctx.columnOptionDefinition().flatMap((c) => visitColumn(scope, c) ?? []);
  const mark = ctx.watermarkDefinition();
  const watermark = mark === null ? undefined : { column: columnNameText(scope, visitColumnName(scope, mark.columnName())), expr: visitExpression(scope, mark.expression()), pos: at(mark) };
  return { kind: 'createTable', name: nameOf(scope, path[path.length - 1]), columns, watermark, options: visitOptions(scope, ctx.withOption()), pos: at(ctx) };
}

function columnNameText(scope: VisitScope, e: Expr): string {
  if (e.kind === 'column' && e.table === undefined) return e.name;
  scope.problems.push({ ...e.pos, message: 'expected a column name' });
  return '';
}

export function visitColumn(scope: VisitScope, ctx: ColumnOptionDefinitionContext): ColumnDefinition | undefined {
  const physical = ctx.physicalColumnDefinition();
  const computed = ctx.computedColumnDefinition();
  if (physical === null && computed === null) {
    unsupported(scope, ctx, 'METADATA columns');
    return undefined;
  }
  const nameCtx = (physical ?? computed)!.columnNameCreate();
  const uid = nameCtx.uid();
  const pos = at(nameCtx);
  if (uid === null || uid.identifier().length !== 1) {
    problem(scope, nameCtx, `expected a column name but found ${textOf(nameCtx)}`);
    return undefined;
  }
  const name = nameOf(scope, uid.identifier(0)!);
  if (computed !== null) return { name, pos, computed: visitExpression(scope, computed.computedColumnExpression().expression()) };
  const constraint = physical!.columnConstraint();
  if (constraint !== null) {
    if (constraint.KW_PRIMARY() !== null) problem(scope, constraint, 'PRIMARY KEY is not supported');
    else unsupported(scope, constraint, 'NULL / NOT NULL constraints');
  }
  return { name, pos, type: visitType(scope, physical!.columnType()) };
}

function visitOptions(scope: VisitScope, ctx: WithOptionContext): Map<string, { value: string; pos: SqlPosition }> {
  const options = new Map<string, { value: string; pos: SqlPosition }>();
  for (const property of ctx.tablePropertyList().tableProperty()) {
    const keyCtx = property.tablePropertyKey();
    const keyText = keyCtx.getText();
    const pos = at(keyCtx);
    if (!keyText.startsWith("'")) {
      problem(scope, keyCtx, `an option name is a quoted string: write '${keyText.replace(/^[`"]|[`"]$/g, '')}'`);
      continue;
    }
    const key = unquote(keyText);
    const valueCtx = property.tablePropertyValue();
    if (valueCtx === null) {
      problem(scope, keyCtx, `option '${key}' has no value: write '${key}' = '...'`);
      continue;
    }
    const valueText = valueCtx.getText();
    if (!valueText.startsWith("'")) {
      problem(scope, valueCtx, `an option value is a quoted string: write '${valueText.replace(/^[`"]|[`"]$/g, '')}'`);
      continue;
    }
    if (options.has(key)) problem(scope, keyCtx, `option '${key}' is given twice`);
    else options.set(key, { value: unquote(valueText), pos });
  }
  return options;
}
