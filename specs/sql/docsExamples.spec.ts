import { main } from '../../samples/docs-examples/sql';
import { runSample } from '../../samples/sql/main';
import { expect } from 'chai';

describe('sql: the examples of docs/sql.md and samples/sql run and check their results', function () {
  this.timeout(60_000);
  it('samples/docs-examples/sql.ts', async () => {
    await main();
  });
  it('samples/sql: the analytics sample matches its reference', async () => {
    const summary = await runSample(20_000);
    expect(summary.mismatches).to.equal(0);
    expect(summary.windows).to.be.greaterThan(0);
  });
});
