import { expect } from 'chai';
import { StreamEnvironment } from '../../../src';
import { FIRST_AUCTION_ID, FIRST_PERSON_ID, NexmarkGenerator } from '../../../samples/nexmark/generator';
import { NexmarkEvent, isAuction, isBid, isPerson } from '../../../samples/nexmark/model';
import { NexmarkSource } from '../../../samples/nexmark/NexmarkSource';

const generate = (n: number, seed = 1, eventsPerSecond = 10_000): NexmarkEvent[] => {
  const g = new NexmarkGenerator({ seed, eventsPerSecond });
  return Array.from({ length: n }, (_, i) => g.event(i));
};

describe('samples/nexmark: the event generator', () => {
  const events = generate(50_000);

  it('mixes 1 person, 3 auctions and 46 bids in every 50 events (2% / 6% / 92%)', () => {
    for (let block = 0; block < 1000; block++) {
      const slice = events.slice(block * 50, block * 50 + 50);
      expect([slice.filter(isPerson).length, slice.filter(isAuction).length, slice.filter(isBid).length]).to.deep.equal([1, 3, 46]);
    }
  });

  it('numbers persons and auctions from 1000 in event order, without gaps', () => {
    expect(events.filter(isPerson).map((p) => p.id)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => FIRST_PERSON_ID + i));
    expect(events.filter(isAuction).map((a) => a.id)).to.deep.equal(Array.from({ length: 3000 }, (_, i) => FIRST_AUCTION_ID + i));
  });

  it('refers to persons and auctions that exist or come within the next few (id lead of 10)', () => {
    let persons = 0;
    let auctions = 0;
    const wrong: NexmarkEvent[] = [];
    for (const e of events) {
      if (isPerson(e)) persons++;
      else if (isAuction(e)) {
        auctions++;
        if (e.seller >= FIRST_PERSON_ID + persons + 10 || e.expires <= e.dateTime) wrong.push(e);
      } else if (e.auction >= FIRST_AUCTION_ID + auctions + 10 || e.bidder >= FIRST_PERSON_ID + persons + 10) wrong.push(e);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('sends most bids to hot auctions: about half go to one auction of each hundred', () => {
    const bids = events.filter(isBid);
    const hot = bids.filter((b) => (b.auction - FIRST_AUCTION_ID) % 100 === 0).length / bids.length;
    expect(hot).to.be.within(0.45, 0.6);
  });

  it('advances event time by 1/eventsPerSecond per event', () => {
    const slow = generate(2001, 1, 1000);
    expect(slow[2000].dateTime - slow[0].dateTime).to.equal(2000);
    expect(events[49_999].dateTime - events[0].dateTime).to.equal(4999);
  });

  it('pads events to the model\'s average sizes', () => {
    const size = (e: NexmarkEvent) => JSON.stringify(e).length;
    const mean = (xs: NexmarkEvent[]) => xs.reduce((s, e) => s + size(e), 0) / xs.length;
    expect(mean(events.filter(isBid))).to.be.within(100, 200);
    expect(mean(events.filter(isAuction))).to.be.within(450, 650);
    expect(mean(events.filter(isPerson))).to.be.within(180, 320);
  });

  it('is deterministic per seed: the same events for a seed, whatever the order they are asked in; others for another seed', () => {
    const g = new NexmarkGenerator({ seed: 1 });
    expect([9, 3, 7].map((n) => g.event(n))).to.deep.equal([9, 3, 7].map((n) => events[n]));
    expect(generate(100, 2)).to.not.deep.equal(events.slice(0, 100));
  });

  it('as a parallel source, generates every event exactly once at any parallelism', async () => {
    for (const parallelism of [1, 3]) {
      const env = StreamEnvironment.create({ parallelism });
      const out = await env.fromSource(new NexmarkSource({ events: 5000, seed: 1 })).executeAndCollect();
      expect(out.map((e) => JSON.stringify(e)).sort()).to.deep.equal(events.slice(0, 5000).map((e) => JSON.stringify(e)).sort());
    }
  });

  it('throttled, emits no faster than the chosen rate', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const started = Date.now();
    const out = await env.fromSource(new NexmarkSource({ events: 300, ratePerSecond: 2000 })).executeAndCollect();
    expect(out).to.have.length(300);
    expect(Date.now() - started).to.be.at.least(140); // 300 events at 2,000/s: 150 ms, less one poll's worth
  });

  it('refuses a bad count or rate with the value it got', () => {
    expect(() => new NexmarkSource({ events: -1 })).to.throw(RangeError, 'events must be a non-negative integer or Infinity, got -1');
    expect(() => new NexmarkSource({ events: 1, ratePerSecond: 0 })).to.throw(RangeError, 'ratePerSecond must be positive, got 0');
  });
});
