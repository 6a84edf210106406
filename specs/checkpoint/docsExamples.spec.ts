import { main } from '../../samples/docs-examples/savepoints';

describe('savepoints: the example of docs/savepoints.md runs and checks its results', function () {
  this.timeout(60_000);
  it('samples/docs-examples/savepoints.ts', async () => {
    await main();
  });
});
