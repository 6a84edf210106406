import { expect } from 'chai';
import { main } from '../../samples/async-enrichment/main';
import { countKeys, redisUrl, uniquePrefix } from '../support/redisService';

describe('samples/async-enrichment: clicks enriched from Redis with Async I/O', function () {
  this.timeout(60_000);
  it('counts every click of a known user once, under its country, and leaves no key behind', async function () {
    const url = await redisUrl(this);
    const prefix = uniquePrefix('async-enrichment');
    const totals = await main(url, prefix, 5_000);
    // 5,000 clicks over 500 users, 450 of them known, 5 countries.
    expect([...totals.values()].reduce((a, b) => a + b, 0)).to.equal(4_500);
    expect([...totals.keys()].sort()).to.deep.equal(['BR', 'JP', 'KE', 'NO', 'PT']);
    expect(await countKeys(url, prefix)).to.equal(0);
  });
});
