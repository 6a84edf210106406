import { main } from '../../samples/docs-examples/asyncIo';

describe('api: the examples of docs/async-io.md run and check their results', function () {
  this.timeout(30_000);
  it('samples/docs-examples/asyncIo.ts', async () => {
    await main();
  });
});
