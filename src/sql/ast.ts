/**
 * The syntax tree the parser builds: statements, queries and expressions as written. Every
 * statement, query, FROM item and expression has its `pos`, where the planner reports its
 * problems: its first token, or for an operator the operator's own (`a + b` at the `+`), so
 * the planner reads `e.pos` of any of them without a cast.
 */
import { SqlPosition } from './SqlProblem';

export interface TypeName {
  readonly name: string;
  /** Precision/length as written, e.g. TIMESTAMP(3), VARCHAR(20). */
  readonly args: readonly number[];
  readonly pos: SqlPosition;
}

export type Expr =
  | { readonly kind: 'literal'; readonly value: number | string | boolean | null; readonly pos: SqlPosition }
  | { readonly kind: 'typedLiteral'; readonly type: 'TIMESTAMP' | 'DATE'; readonly text: string; readonly pos: SqlPosition }
  | { readonly kind: 'interval'; readonly text: string; readonly unit: string; readonly pos: SqlPosition }
  | { readonly kind: 'column'; readonly table?: string; readonly name: string; readonly pos: SqlPosition }
  | { readonly kind: 'unary'; readonly op: '-' | 'NOT'; readonly arg: Expr; readonly pos: SqlPosition }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr; readonly pos: SqlPosition }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly args: readonly Expr[];
      readonly distinct: boolean;
      /** COUNT(*) */
      readonly star: boolean;
      readonly over?: OverWindow;
      readonly pos: SqlPosition;
    }
  | { readonly kind: 'case'; readonly operand?: Expr; readonly whens: readonly { when: Expr; then: Expr }[]; readonly otherwise?: Expr; readonly pos: SqlPosition }
  | { readonly kind: 'cast'; readonly arg: Expr; readonly type: TypeName; readonly pos: SqlPosition }
  | { readonly kind: 'isNull'; readonly arg: Expr; readonly negated: boolean; readonly pos: SqlPosition }
  | { readonly kind: 'between'; readonly arg: Expr; readonly low: Expr; readonly high: Expr; readonly negated: boolean; readonly pos: SqlPosition }
  | { readonly kind: 'in'; readonly arg: Expr; readonly list: readonly Expr[]; readonly negated: boolean; readonly pos: SqlPosition }
  | { readonly kind: 'like'; readonly arg: Expr; readonly pattern: Expr; readonly negated: boolean; readonly pos: SqlPosition }
  | { readonly kind: 'extract'; readonly unit: string; readonly arg: Expr; readonly pos: SqlPosition };

/** A function call: a scalar function, an aggregate, or with `over` an OVER aggregation or a ranking. */
export type CallExpr = Extract<Expr, { kind: 'call' }>;

/** The window of `fn(...) OVER (...)`, written in place or named in a WINDOW clause. */
export interface OverWindow {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderItem[];
  /** ROWS / RANGE BETWEEN ... AND CURRENT ROW; undefined when none is written. */
  readonly frame?: OverFrame;
  readonly pos: SqlPosition;
}

/** A frame that ends at the current row (the only end Sluice runs). */
export interface OverFrame {
  readonly unit: 'ROWS' | 'RANGE';
  /**
   * How far back it reaches: undefined for UNBOUNDED PRECEDING, a row count (ROWS n
   * PRECEDING, RANGE n PRECEDING) or an interval (RANGE INTERVAL '...' PRECEDING).
   */
  readonly preceding?: number | Expr;
  readonly pos: SqlPosition;
}

export interface OrderItem {
  readonly expr: Expr;
  readonly descending: boolean;
  /** NULLS FIRST (true) / NULLS LAST (false) as written; undefined when not written. */
  readonly nullsFirst?: boolean;
}

export interface SelectItem {
  readonly expr: Expr | { readonly kind: 'star'; readonly table?: string; readonly pos: SqlPosition };
  readonly alias?: string;
}

export type WindowFunctionName = 'TUMBLE' | 'HOP' | 'CUMULATE' | 'SESSION';

export type FromItem =
  | { readonly kind: 'table'; readonly name: string; readonly alias?: string; readonly pos: SqlPosition }
  | { readonly kind: 'subquery'; readonly query: Query; readonly alias?: string; readonly pos: SqlPosition }
  | {
      readonly kind: 'windowTvf';
      readonly fn: WindowFunctionName;
      readonly input: FromItem;
      readonly partitionBy: readonly Expr[];
      readonly timeColumn: Expr;
      readonly args: readonly Expr[];
      readonly alias?: string;
      readonly pos: SqlPosition;
    }
  | { readonly kind: 'join'; readonly joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL'; readonly left: FromItem; readonly right: FromItem; readonly on: Expr; readonly pos: SqlPosition }
  | MatchRecognize;

/** One variable of a PATTERN with its quantifier: between `min` and `max` rows (Infinity: no bound). */
export interface PatternTerm {
  readonly variable: string;
  readonly min: number;
  readonly max: number;
  /** Written with a quantifier (`A{1}` too), not a plain `A`. */
  readonly quantified: boolean;
  readonly pos: SqlPosition;
}

/** Where matching goes on after a match (AFTER MATCH SKIP ...). */
export type AfterMatchSkip =
  | { readonly kind: 'PAST LAST ROW' | 'TO NEXT ROW'; readonly pos: SqlPosition }
  | { readonly kind: 'TO FIRST' | 'TO LAST'; readonly variable: string; readonly pos: SqlPosition };

/** `input MATCH_RECOGNIZE (...) [AS alias]`: the subset Sluice runs on its CEP engine (docs/sql.md). */
export interface MatchRecognize {
  readonly kind: 'matchRecognize';
  readonly input: FromItem;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly (OrderItem & { readonly pos: SqlPosition })[];
  readonly measures: readonly { readonly expr: Expr; readonly name: string; readonly pos: SqlPosition }[];
  /** Undefined: the default, SKIP PAST LAST ROW. */
  readonly skip?: AfterMatchSkip;
  readonly pattern: readonly PatternTerm[];
  readonly patternPos: SqlPosition;
  readonly within?: Expr;
  readonly define: readonly { readonly variable: string; readonly condition: Expr; readonly pos: SqlPosition }[];
  readonly alias?: string;
  readonly pos: SqlPosition;
}

export interface Select {
  readonly kind: 'select';
  /** SELECT DISTINCT: one row per distinct result (an updating aggregation without aggregates). */
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: FromItem;
  readonly where?: Expr;
  readonly groupBy: readonly Expr[];
  readonly having?: Expr;
  readonly pos: SqlPosition;
}

/** A query with ORDER BY, LIMIT (FETCH FIRST) or OFFSET, each with the position it is written at. */
export interface OrderedQuery {
  readonly kind: 'ordered';
  readonly query: Query;
  readonly orderBy: readonly (OrderItem & { readonly pos: SqlPosition })[];
  readonly limit?: { readonly rows: number; readonly pos: SqlPosition };
  readonly offset?: { readonly rows: number; readonly pos: SqlPosition };
  readonly pos: SqlPosition;
}

export type Query = Select | { readonly kind: 'unionAll'; readonly inputs: readonly Query[]; readonly pos: SqlPosition } | OrderedQuery;

export interface ColumnDefinition {
  readonly name: string;
  readonly pos: SqlPosition;
  /** A physical column has a type; a computed one an expression. */
  readonly type?: TypeName;
  readonly computed?: Expr;
}

export interface InsertStatement {
  readonly kind: 'insert';
  readonly table: string;
  readonly query: Query;
  readonly pos: SqlPosition;
}

export type Statement =
  | {
      readonly kind: 'createTable';
      readonly name: string;
      readonly columns: readonly ColumnDefinition[];
      readonly watermark?: { readonly column: string; readonly expr: Expr; readonly pos: SqlPosition };
      readonly options: ReadonlyMap<string, { readonly value: string; readonly pos: SqlPosition }>;
      readonly pos: SqlPosition;
    }
  | { readonly kind: 'createView'; readonly name: string; readonly query: Query; readonly pos: SqlPosition }
  | InsertStatement
  /** EXECUTE STATEMENT SET BEGIN INSERT ...; ... END: the inserts run as one job. */
  | { readonly kind: 'statementSet'; readonly inserts: readonly InsertStatement[]; readonly pos: SqlPosition }
  | { readonly kind: 'query'; readonly query: Query; readonly pos: SqlPosition }
  | { readonly kind: 'explain'; readonly statement: Statement; readonly pos: SqlPosition };
