import { expect } from 'chai';
import { SqlValidationError } from '../../src/sql';

/** The problems a statement is refused with, as `line:column message`; fails if it is accepted. */
export function sqlRefusal(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    expect(e).to.be.instanceOf(SqlValidationError);
    return (e as SqlValidationError).problems.map((p) => `${p.line}:${p.column} ${p.message}`);
  }
  throw new Error('the statement was accepted');
}
