/**
 * Each query's result computed directly from the list of events, without the runtime: what
 * the specs compare the jobs' output with. Written for clarity, not speed.
 */
import { Auction, Bid, NexmarkEvent, Person, isAuction, isBid, isPerson } from './model';
import { Q0Result } from './queries/q0';
import { DOLLAR_TO_EURO } from './queries/q1';
import { AUCTION_MODULUS, Q2Result } from './queries/q2';
import { Q3Result, isQ3Auction, isQ3Person } from './queries/q3';
import { Q4Result } from './queries/q4';
import { Q5Result, Q5_SIZE, Q5_SLIDE } from './queries/q5';
import { Q6Result, Q6_AUCTIONS } from './queries/q6';
import { Q7Result } from './queries/q7';
import { Q8Result } from './queries/q8';
import { NEXMARK_WINDOW } from './queries/common';

const project = (b: Bid, price = b.price): Q0Result => ({ auction: b.auction, bidder: b.bidder, price, dateTime: b.dateTime, extra: b.extra });

export const q0Reference = (events: readonly NexmarkEvent[]): Q0Result[] => events.filter(isBid).map((b) => project(b));
export const q1Reference = (events: readonly NexmarkEvent[]): Q0Result[] => events.filter(isBid).map((b) => project(b, DOLLAR_TO_EURO * b.price));
export const q2Reference = (events: readonly NexmarkEvent[]): Q2Result[] =>
  events.filter(isBid).filter((b) => b.auction % AUCTION_MODULUS === 0).map((b) => ({ auction: b.auction, price: b.price }));

export function q3Reference(events: readonly NexmarkEvent[]): Q3Result[] {
  const persons = events.filter(isQ3Person);
  return events
    .filter(isQ3Auction)
    .flatMap((a) => persons.filter((p) => p.id === a.seller).map((p) => ({ name: p.name, city: p.city, state: p.state, id: a.id })));
}

/** The final average per category, in category order. */
export function q4Reference(events: readonly NexmarkEvent[]): Q4Result[] {
  const bids = events.filter(isBid);
  const winning = new Map<number, number[]>();
  for (const a of events.filter(isAuction)) {
    const valid = bids.filter((b) => b.auction === a.id && b.dateTime >= a.dateTime && b.dateTime <= a.expires);
    if (valid.length === 0) continue;
    winning.set(a.category, [...(winning.get(a.category) ?? []), Math.max(...valid.map((b) => b.price))]);
  }
  return [...winning.entries()].sort(([x], [y]) => x - y).map(([category, prices]) => ({ category, average: prices.reduce((s, p) => s + p, 0) / prices.length }));
}

export function q5Reference(events: readonly NexmarkEvent[]): Q5Result[] {
  const size = Q5_SIZE.toMilliseconds();
  const slide = Q5_SLIDE.toMilliseconds();
  const bids = events.filter(isBid);
  const out: Q5Result[] = [];
  const times = bids.map((b) => b.dateTime);
  const first = Math.min(...times) - size;
  const last = Math.max(...times);
  for (let start = first - (((first % slide) + slide) % slide); start <= last; start += slide) {
    const counts = new Map<number, number>();
    for (const b of bids) if (b.dateTime >= start && b.dateTime < start + size) counts.set(b.auction, (counts.get(b.auction) ?? 0) + 1);
    if (counts.size === 0) continue;
    const max = Math.max(...counts.values());
    for (const [auction, num] of counts) if (num === max) out.push({ auction, num, start, end: start + size });
  }
  return out;
}

/**
 * Per seller, its auctions that had a bid within their lifetime, in order of expiry (ties by
 * id), each with the average final price of the last ten up to it.
 */
export function q6Reference(events: readonly NexmarkEvent[]): Q6Result[] {
  const bids = events.filter(isBid);
  const closed = events
    .filter(isAuction)
    .map((a) => ({ a, valid: bids.filter((b) => b.auction === a.id && b.dateTime >= a.dateTime && b.dateTime <= a.expires) }))
    .filter(({ valid }) => valid.length > 0)
    .map(({ a, valid }) => ({ auction: a.id, seller: a.seller, expires: a.expires, final: Math.max(...valid.map((b) => b.price)) }))
    .sort((x, y) => x.expires - y.expires || x.auction - y.auction);
  const out: Q6Result[] = [];
  for (const c of closed) {
    const last = closed.filter((x) => x.seller === c.seller && (x.expires < c.expires || (x.expires === c.expires && x.auction <= c.auction))).slice(-Q6_AUCTIONS);
    out.push({ auction: c.auction, seller: c.seller, average: Math.trunc(last.reduce((s, x) => s + x.final, 0) / last.length), expires: c.expires });
  }
  return out;
}

/** Events grouped by their 10-second tumbling window's start. */
function byWindow<T extends { dateTime: number }>(items: readonly T[]): Map<number, T[]> {
  const size = NEXMARK_WINDOW.toMilliseconds();
  const windows = new Map<number, T[]>();
  for (const item of items) {
    const start = item.dateTime - (item.dateTime % size);
    const window = windows.get(start);
    if (window === undefined) windows.set(start, [item]);
    else window.push(item);
  }
  return windows;
}

export function q7Reference(events: readonly NexmarkEvent[]): Q7Result[] {
  const out: Q7Result[] = [];
  for (const bids of byWindow(events.filter(isBid)).values()) {
    const max = Math.max(...bids.map((b) => b.price));
    for (const b of bids) if (b.price === max) out.push({ auction: b.auction, price: b.price, bidder: b.bidder, dateTime: b.dateTime, extra: b.extra });
  }
  return out;
}

export function q8Reference(events: readonly NexmarkEvent[]): Q8Result[] {
  const auctions = byWindow(events.filter(isAuction));
  const out: Q8Result[] = [];
  for (const [start, persons] of byWindow(events.filter(isPerson))) {
    const sellers = new Set((auctions.get(start) ?? []).map((a: Auction) => a.seller));
    for (const p of persons as Person[]) if (sellers.has(p.id)) out.push({ id: p.id, name: p.name, starttime: start });
  }
  return out;
}
