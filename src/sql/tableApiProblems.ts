/**
 * Where the fluent Table API (Table.select, where, groupBy, window, ...) reports its problems.
 * The Table API builds the same AST as the SQL parser and hands it to the same Planner, whose
 * problems carry a line and column of SQL text. A fluent call has no text: each node of its
 * AST gets a made-up position instead (line 0, column n), and FluentPositions remembers which
 * call and which expression the n-th position stands for, so a refusal names them:
 * `where($('x').isGreater(3)): $('x'): unknown column 'x' (...)`.
 */
import { SqlPosition, SqlProblem, SqlValidationError } from './SqlProblem';

/** Line 0 marks a position of the Table API (SQL lines start at 1). */
const FLUENT_LINE = 0;

export class FluentPositions {
  private readonly described: string[];

  /** `inherited`: the descriptions of the table the call builds on, whose AST it may reuse. */
  constructor(inherited: readonly string[] = []) {
    this.described = [...inherited];
  }

  /** A new position standing for `description` (the call and the expression). */
  at(description: string): SqlPosition {
    this.described.push(description);
    return { line: FLUENT_LINE, column: this.described.length };
  }

  /** What each position stands for, in order (for the table built by the call). */
  get descriptions(): readonly string[] {
    return this.described;
  }

  /** Throws a TableApiValidationError listing every problem, if there is any. */
  refuseIf(problems: readonly SqlProblem[]): void {
    if (problems.length > 0) throw this.refusal(problems);
  }

  /** The error that refuses `problems`, each message followed by `suffix`. */
  refusal(problems: readonly SqlProblem[], suffix = ''): TableApiValidationError {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    return new TableApiValidationError(
      sorted,
      sorted.map((p) => `${p.line === FLUENT_LINE ? (this.described[p.column - 1] ?? 'the call') : `line ${p.line}, column ${p.column}`}: ${p.message}${suffix}`),
    );
  }
}

/**
 * A Table API call refused when the table is defined: every problem, each with the call and
 * the expression it is in. A SqlValidationError, so one `catch` serves SQL and the Table API.
 */
export class TableApiValidationError extends SqlValidationError {
  constructor(problems: readonly SqlProblem[], readonly described: readonly string[]) {
    super(problems);
    this.name = 'TableApiValidationError';
    this.message = `the Table API call was refused:\n${described.map((d) => `  - ${d}`).join('\n')}`;
  }
}
