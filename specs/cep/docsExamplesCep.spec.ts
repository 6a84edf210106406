import { main } from '../../samples/docs-examples/cep';

describe('cep: the example of docs/cep.md runs and checks its results', function () {
  this.timeout(30_000);
  it('samples/docs-examples/cep.ts', async () => {
    await main();
  });
});
