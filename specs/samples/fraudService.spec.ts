import { expect } from 'chai';
import { main } from '../../samples/fraud-service/main';

describe('samples/fraud-service', () => {
  it('answers each payment over HTTP from the running job, as its README shows, and stops with its actor system', async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    try {
      await main();
    } finally {
      console.log = log;
    }
    expect(lines[0]).to.match(/^fraud service on http:\/\/127\.0\.0\.1:\d+\/payments$/);
    expect(lines.slice(1)).to.deep.equal([
      '{"account":"alice","amount":120} -> 200 {"account":"alice","recentTotal":120,"decision":"allow"}',
      '{"account":"bob","amount":40} -> 200 {"account":"bob","recentTotal":40,"decision":"allow"}',
      '{"account":"alice","amount":700} -> 200 {"account":"alice","recentTotal":820,"decision":"allow"}',
      '{"account":"alice","amount":300} -> 200 {"account":"alice","recentTotal":1120,"decision":"review"}',
      '{"account":"bob","amount":-5} -> 422 {"error":"amount must be a positive number, got -5"}',
      '{"account":"carol","amount":999} -> 200 {"account":"carol","recentTotal":999,"decision":"allow"}',
      'gateway: {"answered":6,"timedOut":0,"refused":0,"unmatched":0,"pending":0}',
      'job cancelled with the service\'s actor system',
    ]);
  });
});
