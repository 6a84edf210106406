/**
 * Nexmark's event generator, after the Nexmark project's (nexmark/nexmark, nexmark-flink
 * `generator/`), itself from Beam's: event n is a person, an auction or a bid by n modulo 50
 * (1 : 3 : 46, so 2% / 6% / 92%); ids follow from n (persons and auctions numbered from 1000
 * in event order); bids go mostly to "hot" auctions and bidders, sellers are mostly hot;
 * references point at recent persons and in-flight auctions, a few ids ahead of the last
 * generated one (so a bid can come before its auction); event time advances by
 * 1/eventsPerSecond per event from `baseTime`.
 *
 * Deterministic: each event's fields come from a random generator seeded by (seed, n), so
 * event n is the same whoever generates it, in any order, at any parallelism. Differences
 * from the Java generator, on purpose: a 32-bit generator (mulberry32) instead of
 * java.util.Random (same distributions, not the same draws), and `extra` padding cut from a
 * fixed random text at a random offset instead of drawn character by character (same
 * lengths; it is filler no query reads).
 */
import { Auction, Bid, NexmarkEvent, Person } from './model';

export interface NexmarkConfig {
  /** Seeds every event's fields. */
  readonly seed: number;
  /** Event-time rate: event n happens at baseTime + n / eventsPerSecond seconds. */
  readonly eventsPerSecond: number;
  /** Event time of event 0, in epoch milliseconds. */
  readonly baseTime: number;
  readonly numActivePeople: number;
  readonly numInFlightAuctions: number;
  /** 1 - 1/ratio of bids go to a hot auction (resp. come from a hot bidder; auctions from a hot seller). */
  readonly hotAuctionRatio: number;
  readonly hotBiddersRatio: number;
  readonly hotSellersRatio: number;
  readonly avgPersonByteSize: number;
  readonly avgAuctionByteSize: number;
  readonly avgBidByteSize: number;
}

/** Nexmark's defaults; the event-time rate is Beam's default first event rate. */
export const DEFAULT_CONFIG: NexmarkConfig = {
  seed: 1,
  eventsPerSecond: 10_000,
  baseTime: Date.UTC(2026, 0, 1),
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  hotAuctionRatio: 2,
  hotBiddersRatio: 4,
  hotSellersRatio: 4,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
};

export const PERSON_PROPORTION = 1;
export const AUCTION_PROPORTION = 3;
export const BID_PROPORTION = 46;
export const TOTAL_PROPORTION = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
const HOT_SELLER_RATIO = 100;
const HOT_AUCTION_RATIO = 100;
const HOT_BIDDER_RATIO = 100;
const MIN_STRING_LENGTH = 3;
/** The space character's code, which nextString trims from both ends. */
const SPACE = 32;
const SIX_LN10 = 6 * Math.LN10;

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];

/** The last person id (base 0) generated at or before event n. */
export function lastBase0PersonId(n: number): number {
  const epoch = Math.floor(n / TOTAL_PROPORTION);
  let offset = n % TOTAL_PROPORTION;
  if (offset >= PERSON_PROPORTION) offset = PERSON_PROPORTION - 1;
  return epoch * PERSON_PROPORTION + offset;
}

/** The last auction id (base 0) generated at or before event n (may be -1 before the first). */
export function lastBase0AuctionId(n: number): number {
  let epoch = Math.floor(n / TOTAL_PROPORTION);
  let offset = n % TOTAL_PROPORTION;
  if (offset < PERSON_PROPORTION) {
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return epoch * AUCTION_PROPORTION + offset;
}

/** A fixed random text that `extra` padding is cut from. */
const PADDING = (() => {
  let s = 0x9e3779b9;
  const chars: string[] = [];
  for (let i = 0; i < 8192; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    chars.push(String.fromCharCode(97 + ((s >>> 0) % 26)));
  }
  return chars.join('');
})();

/** Generates Nexmark events by number; one instance per source reader (it holds the random state). */
export class NexmarkGenerator {
  readonly config: NexmarkConfig;
  private state = 0;
  private readonly interEventDelayUs: number;
  /** nextString's characters (no string here is longer than an auction's description). */
  private readonly codes = new Uint16Array(128);

  constructor(config: Partial<NexmarkConfig> = {}) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    if (!(this.config.eventsPerSecond > 0)) throw new RangeError(`eventsPerSecond must be positive, got ${this.config.eventsPerSecond}`);
    this.interEventDelayUs = 1_000_000 / this.config.eventsPerSecond;
  }

  /** Event time of event n. */
  timestampOf(n: number): number {
    return this.config.baseTime + Math.floor(Math.floor(n * this.interEventDelayUs) / 1000);
  }

  /** Event n (0-based): a person, an auction or a bid, with its fields drawn for (seed, n). */
  event(n: number): NexmarkEvent {
    this.state = (Math.imul(this.config.seed, 0x85ebca6b) ^ Math.imul(n, 0x9e3779b1) ^ Math.floor(n / 4294967296)) | 0;
    const timestamp = this.timestampOf(n);
    const rem = n % TOTAL_PROPORTION;
    if (rem < PERSON_PROPORTION) return this.person(n, timestamp);
    if (rem < PERSON_PROPORTION + AUCTION_PROPORTION) return this.auction(n, timestamp);
    return this.bid(n, timestamp);
  }

  private person(n: number, timestamp: number): Person {
    const name = `${FIRST_NAMES[this.nextInt(FIRST_NAMES.length)]} ${LAST_NAMES[this.nextInt(LAST_NAMES.length)]}`;
    const emailAddress = `${this.nextString(7)}@${this.nextString(5)}.com`;
    const creditCard = `${this.nextCardGroup()} ${this.nextCardGroup()} ${this.nextCardGroup()} ${this.nextCardGroup()}`;
    const city = US_CITIES[this.nextInt(US_CITIES.length)];
    const state = US_STATES[this.nextInt(US_STATES.length)];
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    return {
      kind: 'person',
      id: lastBase0PersonId(n) + FIRST_PERSON_ID,
      name,
      emailAddress,
      creditCard,
      city,
      state,
      dateTime: timestamp,
      extra: this.nextExtra(size, this.config.avgPersonByteSize),
    };
  }

  private auction(n: number, timestamp: number): Auction {
    const id = lastBase0AuctionId(n) + FIRST_AUCTION_ID;
    const seller =
      (this.nextInt(this.config.hotSellersRatio) > 0 ? Math.floor(lastBase0PersonId(n) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO : this.nextBase0PersonId(n)) +
      FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + this.nextInt(NUM_CATEGORIES);
    const initialBid = this.nextPrice();
    const expires = timestamp + this.nextAuctionLengthMs(n, timestamp);
    const itemName = this.nextString(20);
    const description = this.nextString(100);
    const reserve = initialBid + this.nextPrice();
    const size = 8 + itemName.length + description.length + 8 + 8 + 8 + 8 + 8;
    return {
      kind: 'auction',
      id,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime: timestamp,
      expires,
      seller,
      category,
      extra: this.nextExtra(size, this.config.avgAuctionByteSize),
    };
  }

  private bid(n: number, timestamp: number): Bid {
    const auction =
      (this.nextInt(this.config.hotAuctionRatio) > 0 ? Math.floor(lastBase0AuctionId(n) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO : this.nextBase0AuctionId(n)) +
      FIRST_AUCTION_ID;
    const bidder =
      (this.nextInt(this.config.hotBiddersRatio) > 0 ? Math.floor(lastBase0PersonId(n) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1 : this.nextBase0PersonId(n)) +
      FIRST_PERSON_ID;
    const price = this.nextPrice();
    return { kind: 'bid', auction, bidder, price, dateTime: timestamp, extra: this.nextExtra(32, this.config.avgBidByteSize) };
  }

  /** A recent person (among the active ones), or one of the next few to come. */
  private nextBase0PersonId(n: number): number {
    const numPeople = lastBase0PersonId(n) + 1;
    const activePeople = Math.min(numPeople, this.config.numActivePeople);
    return numPeople - activePeople + this.nextInt(activePeople + PERSON_ID_LEAD);
  }

  /** An auction likely still in flight, or one of the next few to come. */
  private nextBase0AuctionId(n: number): number {
    const maxAuction = lastBase0AuctionId(n);
    const minAuction = Math.max(maxAuction - this.config.numInFlightAuctions, 0);
    return minAuction + this.nextInt(maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
  }

  /** Auctions last on average as long as it takes to generate numInFlightAuctions more. */
  private nextAuctionLengthMs(n: number, timestamp: number): number {
    const eventsForAuctions = Math.floor((this.config.numInFlightAuctions * TOTAL_PROPORTION) / AUCTION_PROPORTION);
    const horizonMs = this.timestampOf(n + eventsForAuctions) - timestamp;
    return 1 + this.nextInt(Math.max(horizonMs * 2, 1));
  }

  /** Cents, log-uniform from $1 to $1,000,000: 10^(6u) dollars, as e^(6u ln 10) (exp is cheaper than pow). */
  private nextPrice(): number {
    return Math.round(Math.exp(this.nextDouble() * SIX_LN10) * 100);
  }

  /**
   * Letters and spaces, trimmed. The character codes go into one reused array made into a string
   * at once, as the Java twin's StringBuilder does: adding one character at a time to a string
   * built a chain of partial strings per character, flattened by the trim.
   */
  private nextString(maxLength: number): string {
    const length = MIN_STRING_LENGTH + this.nextInt(maxLength - MIN_STRING_LENGTH);
    const codes = this.codes;
    for (let i = 0; i < length; i++) codes[i] = this.nextInt(13) === 0 ? SPACE : 97 + this.nextInt(26);
    let start = 0;
    let end = length;
    while (start < end && codes[start] === SPACE) start++;
    while (end > start && codes[end - 1] === SPACE) end--;
    return String.fromCharCode.apply(null, codes.subarray(start, end) as unknown as number[]);
  }

  /** Four digits of a card number. */
  private nextCardGroup(): string {
    return String(this.nextInt(10000)).padStart(4, '0');
  }

  /** Padding that brings the event to about the average size (within ±20%). */
  private nextExtra(currentSize: number, averageSize: number): string {
    if (currentSize > averageSize) return '';
    const desired = averageSize - currentSize;
    const delta = Math.round(desired * 0.2);
    const length = desired - delta + (delta === 0 ? 0 : this.nextInt(2 * delta));
    const start = this.nextInt(PADDING.length - length);
    return PADDING.slice(start, start + length);
  }

  /** mulberry32: uniform in [0, 1). */
  private nextDouble(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  private nextInt(bound: number): number {
    return Math.floor(this.nextDouble() * bound);
  }
}
