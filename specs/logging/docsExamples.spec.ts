import { main } from '../../samples/docs-examples/logging';

describe('logging: the examples of docs/logging.md run and check their results', function () {
  this.timeout(30_000);
  it('samples/docs-examples/logging.ts', async () => {
    await main();
  });
});
