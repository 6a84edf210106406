import { expect } from 'chai';
import { main } from '../../samples/fraud-scoring/main';

describe('ml: the fraud-scoring sample of docs/ml.md runs and checks its alerts against the hidden rule', function () {
  this.timeout(60_000);
  it('samples/fraud-scoring/main.ts', async () => {
    const { model, hiddenRule } = await main();
    expect(model.alerts).to.be.greaterThan(0);
    expect(model.precision).to.be.at.least(hiddenRule.precision - 0.05);
    expect(model.recall).to.be.at.least(hiddenRule.recall - 0.1);
  });
});
