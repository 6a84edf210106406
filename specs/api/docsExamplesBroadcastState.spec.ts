import { main } from '../../samples/docs-examples/broadcastState';

describe('api: the broadcast state example of docs/api.md runs and checks its results', function () {
  this.timeout(30_000);
  it('samples/docs-examples/broadcastState.ts', async () => {
    await main();
  });
});
