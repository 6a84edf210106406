/**
 * Nexmark's data model: an online auction where people register, open auctions and bid.
 * Fields and units as in the Nexmark generator (nexmark/nexmark, Beam's Nexmark): ids are
 * integers, prices in cents, times in epoch milliseconds; `extra` pads each event to the
 * model's average size (person 200, auction 500, bid 100 bytes).
 */

export interface Person {
  readonly kind: 'person';
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  readonly dateTime: number;
  readonly extra: string;
}

export interface Auction {
  readonly kind: 'auction';
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly dateTime: number;
  readonly expires: number;
  readonly seller: number;
  readonly category: number;
  readonly extra: string;
}

export interface Bid {
  readonly kind: 'bid';
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
  readonly extra: string;
}

export type NexmarkEvent = Person | Auction | Bid;

export const isPerson = (e: NexmarkEvent): e is Person => e.kind === 'person';
export const isAuction = (e: NexmarkEvent): e is Auction => e.kind === 'auction';
export const isBid = (e: NexmarkEvent): e is Bid => e.kind === 'bid';
