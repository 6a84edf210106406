/**
 * The tables and views a TableEnvironment knows, by name: tables made by CREATE TABLE or
 * fromDataStream (fields, source, sink), views kept as their query (planned where used), and
 * tables of earlier sqlQuery calls kept as their plan.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { Query, Statement } from './ast';
import { Compiled, compileExpression } from './compileExpression';
import { PlanNode } from './logicalPlan';
import { SqlPosition, SqlProblem } from './SqlProblem';
import { TableSink, TableSource, tableConnector } from './tableConnectors';
import { TableConnectorFactory } from './TableConnectorFactory';
import { UserDefinedFunction } from './UserDefinedFunction';
import { Field, SUPPORTED_TYPE_NAMES, typeFromName } from './types';

export type CatalogEntry =
  | { readonly kind: 'table'; readonly name: string; readonly fields: readonly Field[]; readonly source?: TableSource; readonly sink?: TableSink }
  | { readonly kind: 'view'; readonly name: string; readonly query: Query }
  | { readonly kind: 'plan'; readonly name: string; readonly plan: PlanNode };

export class Catalog {
  private readonly entries = new Map<string, CatalogEntry>();
  readonly functions = new Map<string, UserDefinedFunction>();
  /** Connectors registered by the application, by the name WITH ('connector' = ...) gives. */
  readonly connectors = new Map<string, TableConnectorFactory>();

  get(name: string): CatalogEntry | undefined {
    return this.entries.get(name);
  }
  names(): string[] {
    return [...this.entries.keys()].filter((n) => !n.startsWith('_'));
  }
  register(entry: CatalogEntry): void {
    this.entries.set(entry.name, entry);
  }
  has(name: string): boolean {
    return this.entries.has(name);
  }
}

type CreateTable = Extract<Statement, { kind: 'createTable' }>;

/** The columns of a table definition with their computed columns and watermark, checked. */
export function defineColumns(
  statement: Pick<CreateTable, 'columns' | 'watermark'>,
  problems: SqlProblem[],
  functions: ReadonlyMap<string, UserDefinedFunction>,
): { physical: Field[]; computed: Compiled[]; fields: Field[]; watermark?: { field: number; delayMs: number; text: string } } {
  const physical: Field[] = [];
  const seen = new Set<string>();
  for (const c of statement.columns) {
    if (seen.has(c.name)) problems.push({ ...c.pos, message: `column '${c.name}' is defined twice` });
    seen.add(c.name);
    if (c.type === undefined) continue;
    const type = typeFromName(c.type);
    if (type === undefined) problems.push({ ...c.type.pos, message: `unknown type ${c.type.name} (supported: ${SUPPORTED_TYPE_NAMES.join(', ')})` });
    physical.push({ name: c.name, type: type ?? 'ANY' });
  }
  // Computed columns are expressions over the physical columns, as in Flink.
  const computed: Compiled[] = [];
  const computedFields: Field[] = [];
  for (const c of statement.columns) {
    if (c.computed === undefined) continue;
    const compiled = compileExpression(c.computed, { columns: physical, problems, functions, clause: 'a computed column' });
    computed.push(compiled);
    computedFields.push({ name: c.name, type: compiled.type });
  }
  let fields: Field[] = [...physical, ...computedFields];
  let watermark: { field: number; delayMs: number; text: string } | undefined;
  const w = statement.watermark;
  if (w !== undefined) {
    const field = fields.findIndex((f) => f.name === w.column);
    if (field < 0) problems.push({ ...w.pos, message: `WATERMARK FOR names unknown column '${w.column}'` });
    else if (fields[field].type !== 'TIMESTAMP') problems.push({ ...w.pos, message: `WATERMARK FOR needs a TIMESTAMP column, but '${w.column}' is ${fields[field].type}` });
    const delay = watermarkDelay(w.expr, w.column);
    if (isLeft(delay)) problems.push({ ...w.pos, message: delay.left });
    else if (field >= 0) {
      const delayMs = delay.right;
      watermark = { field, delayMs, text: `${w.column} - ${delayMs}ms` };
      fields = fields.map((f, i) => (i === field ? { ...f, rowtime: true } : f));
    }
  }
  return { physical, computed, fields, watermark };
}

/** `ts` or `ts - INTERVAL 'n' UNIT`: the bound on out-of-orderness in milliseconds. */
function watermarkDelay(expr: NonNullable<CreateTable['watermark']>['expr'], column: string): Either<string, number> {
  const problems: SqlProblem[] = [];
  const usage = `the watermark must be '${column}' or '${column} - INTERVAL 'n' SECOND'`;
  if (expr.kind === 'column') return expr.name === column ? right(0) : left(usage);
  if (expr.kind !== 'binary' || expr.op !== '-' || expr.left.kind !== 'column' || expr.left.name !== column || expr.right.kind !== 'interval') return left(usage);
  const interval = compileExpression(expr.right, { columns: [], problems, functions: new Map(), clause: 'a watermark' });
  if (problems.length > 0) return left(problems[0].message);
  return right(interval.constant!.value as number);
}

export function createTableEntry(statement: CreateTable, problems: SqlProblem[], catalog: Catalog): CatalogEntry {
  const { physical, computed, fields, watermark } = defineColumns(statement, problems, catalog.functions);
  const connector = tableConnector(statement.name, statement.options, physical, problems, statement.pos, catalog.connectors);
  const open = connector.open;
  return {
    kind: 'table',
    name: statement.name,
    fields,
    source: open === undefined ? undefined : { physical, computed, watermark, open },
    sink: connector.sink,
  };
}

export function unknownTable(catalog: Catalog, name: string, pos: SqlPosition): SqlProblem {
  // Unnamed tables (UnnamedTable$0, from sqlQuery, fromDataStream and the Table API) are no names a user wrote.
  const known = catalog.names().filter((n) => !n.includes('$'));
  return { ...pos, message: `unknown table '${name}' (known: ${known.join(', ') || 'none'})` };
}
