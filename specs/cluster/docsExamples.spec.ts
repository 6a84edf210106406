import { main } from '../../samples/docs-examples/taskManagers';

describe('task managers: the example of docs/task-managers.md runs and checks its results', function () {
  this.timeout(60_000);
  it('samples/docs-examples/taskManagers.ts', async () => {
    await main();
  });
});
