import { expect } from 'chai';
import { main } from '../../samples/card-fraud/main';
import { expectedAlerts } from '../../samples/card-fraud/fraudPattern';

describe('samples/card-fraud: three small payments then a large one within 5 minutes, per card, with CEP', function () {
  this.timeout(60_000);
  it('alerts on exactly the large payments a plain scan finds', async () => {
    const { alerts, unfinished } = await main(50_000);
    expect(alerts).to.deep.equal(expectedAlerts(50_000));
    expect(alerts.length).to.be.greaterThan(50);
    expect(unfinished).to.be.greaterThan(0);
  });
});
