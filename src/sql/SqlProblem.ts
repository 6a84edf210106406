/**
 * What is wrong with a statement, and where: every problem found is listed, each with its line
 * and column (1-based), so a query is refused once with all of its faults.
 */

export interface SqlPosition {
  readonly line: number;
  readonly column: number;
}

/** One problem of a statement, at its line and column. */
export interface SqlProblem extends SqlPosition {
  readonly message: string;
}

/** `line L, column C: message`. */
export function describeSqlProblem(p: SqlProblem): string {
  return `line ${p.line}, column ${p.column}: ${p.message}`;
}

/** Thrown by TableEnvironment when a statement cannot run; `problems` lists every fault found. */
export class SqlValidationError extends Error {
  constructor(readonly problems: readonly SqlProblem[]) {
    super(`the statement was refused:\n${problems.map((p) => `  - ${describeSqlProblem(p)}`).join('\n')}`);
    this.name = 'SqlValidationError';
  }
}
