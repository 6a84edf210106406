package sluice.twins.nexmark;

/**
 * The twin of samples/nexmark/generator.ts: event n is the same person, auction or bid, with the
 * same event time, field for field, as the TypeScript generator's for the same seed and rate.
 * JavaScript's arithmetic is reproduced where it matters: mulberry32 on 32-bit ints
 * (Math.imul is int multiplication, `>>> 0` an unsigned view), doubles for event time and
 * prices, StrictMath.exp (fdlibm, as V8's Math.exp) and Math.round (half up, as JavaScript's
 * for positive values). `GeneratorCheck` prints a checksum of events to compare with
 * nexmarkGeneratorCheck.ts. Not thread-safe: one instance per source reader.
 */
public final class NexmarkGenerator {
  public static final int PERSON_PROPORTION = 1;
  public static final int AUCTION_PROPORTION = 3;
  public static final int BID_PROPORTION = 46;
  public static final int TOTAL_PROPORTION = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;
  public static final long FIRST_PERSON_ID = 1000;
  public static final long FIRST_AUCTION_ID = 1000;
  public static final long FIRST_CATEGORY_ID = 10;
  private static final int NUM_CATEGORIES = 5;
  private static final int PERSON_ID_LEAD = 10;
  private static final int AUCTION_ID_LEAD = 10;
  private static final long HOT_SELLER_RATIO = 100;
  private static final long HOT_AUCTION_RATIO = 100;
  private static final long HOT_BIDDER_RATIO = 100;
  private static final int MIN_STRING_LENGTH = 3;
  private static final double SIX_LN10 = 6 * Math.log(10);

  private static final String[] US_STATES = {"AZ", "CA", "ID", "OR", "WA", "WY"};
  private static final String[] US_CITIES = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"};
  private static final String[] FIRST_NAMES = {"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"};
  private static final String[] LAST_NAMES = {"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"};

  /** The fixed random text that `extra` padding is cut from (PADDING in generator.ts). */
  private static final String PADDING = padding();

  /** Nexmark's defaults with the benchmark's seed and rate (DEFAULT_CONFIG and BENCH_CONFIG of samples/nexmark). */
  public static final long BASE_TIME = 1_767_225_600_000L; // Date.UTC(2026, 0, 1)
  private final int seed;
  private final double interEventDelayUs;
  private final long baseTime;
  private final int numActivePeople = 1000;
  private final int numInFlightAuctions = 100;
  private final int hotAuctionRatio = 2;
  private final int hotBiddersRatio = 4;
  private final int hotSellersRatio = 4;
  private final int avgPersonByteSize = 200;
  private final int avgAuctionByteSize = 500;
  private final int avgBidByteSize = 100;
  private int state;

  public NexmarkGenerator(int seed, double eventsPerSecond, long baseTime) {
    if (!(eventsPerSecond > 0)) throw new IllegalArgumentException("eventsPerSecond must be positive, got " + eventsPerSecond);
    this.seed = seed;
    this.interEventDelayUs = 1_000_000 / eventsPerSecond;
    this.baseTime = baseTime;
  }

  /** The benchmark's generator: seed 42, 10,000 events per event-time second (samples/nexmark/benchSettings.ts). */
  public static NexmarkGenerator forBenchmark() {
    return new NexmarkGenerator(42, 10_000, BASE_TIME);
  }

  private static String padding() {
    int s = 0x9e3779b9;
    StringBuilder chars = new StringBuilder(8192);
    for (int i = 0; i < 8192; i++) {
      s = (s ^ (s >>> 15)) * 0x2c1b3c6d + 0x6d2b79f5;
      chars.append((char) (97 + Integer.remainderUnsigned(s, 26)));
    }
    return chars.toString();
  }

  /** The last person id (base 0) generated at or before event n. */
  public static long lastBase0PersonId(long n) {
    long epoch = n / TOTAL_PROPORTION;
    long offset = n % TOTAL_PROPORTION;
    if (offset >= PERSON_PROPORTION) offset = PERSON_PROPORTION - 1;
    return epoch * PERSON_PROPORTION + offset;
  }

  /** The last auction id (base 0) generated at or before event n (may be -1 before the first). */
  public static long lastBase0AuctionId(long n) {
    long epoch = n / TOTAL_PROPORTION;
    long offset = n % TOTAL_PROPORTION;
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

  /** Event time of event n. */
  public long timestampOf(long n) {
    return baseTime + (long) Math.floor(Math.floor(n * interEventDelayUs) / 1000);
  }

  /** Event n (0-based). */
  public Event event(long n) {
    state = seed * 0x85ebca6b ^ (int) n * 0x9e3779b1 ^ (int) (n >>> 32);
    long timestamp = timestampOf(n);
    long rem = n % TOTAL_PROPORTION;
    Event e = new Event();
    if (rem < PERSON_PROPORTION) e.person = person(n, timestamp);
    else if (rem < PERSON_PROPORTION + AUCTION_PROPORTION) e.auction = auction(n, timestamp);
    else e.bid = bid(n, timestamp);
    return e;
  }

  private Person person(long n, long timestamp) {
    Person p = new Person();
    p.name = FIRST_NAMES[nextInt(FIRST_NAMES.length)] + " " + LAST_NAMES[nextInt(LAST_NAMES.length)];
    p.emailAddress = nextString(7) + "@" + nextString(5) + ".com";
    StringBuilder card = new StringBuilder(19);
    for (int i = 0; i < 4; i++) {
      if (i > 0) card.append(' ');
      String digits = Integer.toString(nextInt(10000));
      for (int pad = digits.length(); pad < 4; pad++) card.append('0');
      card.append(digits);
    }
    p.creditCard = card.toString();
    p.city = US_CITIES[nextInt(US_CITIES.length)];
    p.state = US_STATES[nextInt(US_STATES.length)];
    int size = 8 + p.name.length() + p.emailAddress.length() + p.creditCard.length() + p.city.length() + p.state.length();
    p.id = lastBase0PersonId(n) + FIRST_PERSON_ID;
    p.dateTime = timestamp;
    p.extra = nextExtra(size, avgPersonByteSize);
    return p;
  }

  private Auction auction(long n, long timestamp) {
    Auction a = new Auction();
    a.id = lastBase0AuctionId(n) + FIRST_AUCTION_ID;
    a.seller = (nextInt(hotSellersRatio) > 0 ? Math.floorDiv(lastBase0PersonId(n), HOT_SELLER_RATIO) * HOT_SELLER_RATIO : nextBase0PersonId(n)) + FIRST_PERSON_ID;
    a.category = FIRST_CATEGORY_ID + nextInt(NUM_CATEGORIES);
    a.initialBid = nextPrice();
    a.expires = timestamp + nextAuctionLengthMs(n, timestamp);
    a.itemName = nextString(20);
    a.description = nextString(100);
    a.reserve = a.initialBid + nextPrice();
    int size = 8 + a.itemName.length() + a.description.length() + 8 + 8 + 8 + 8 + 8;
    a.dateTime = timestamp;
    a.extra = nextExtra(size, avgAuctionByteSize);
    return a;
  }

  private Bid bid(long n, long timestamp) {
    long auction = (nextInt(hotAuctionRatio) > 0 ? Math.floorDiv(lastBase0AuctionId(n), HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO : nextBase0AuctionId(n)) + FIRST_AUCTION_ID;
    long bidder = (nextInt(hotBiddersRatio) > 0 ? Math.floorDiv(lastBase0PersonId(n), HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1 : nextBase0PersonId(n)) + FIRST_PERSON_ID;
    long price = nextPrice();
    return new Bid(auction, bidder, price, timestamp, nextExtra(32, avgBidByteSize));
  }

  private long nextBase0PersonId(long n) {
    long numPeople = lastBase0PersonId(n) + 1;
    long activePeople = Math.min(numPeople, numActivePeople);
    return numPeople - activePeople + nextInt(activePeople + PERSON_ID_LEAD);
  }

  private long nextBase0AuctionId(long n) {
    long maxAuction = lastBase0AuctionId(n);
    long minAuction = Math.max(maxAuction - numInFlightAuctions, 0);
    return minAuction + nextInt(maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
  }

  private long nextAuctionLengthMs(long n, long timestamp) {
    long eventsForAuctions = (numInFlightAuctions * TOTAL_PROPORTION) / AUCTION_PROPORTION;
    long horizonMs = timestampOf(n + eventsForAuctions) - timestamp;
    return 1 + nextInt(Math.max(horizonMs * 2, 1));
  }

  private long nextPrice() {
    return Math.round(StrictMath.exp(nextDouble() * SIX_LN10) * 100);
  }

  private String nextString(int maxLength) {
    int length = MIN_STRING_LENGTH + nextInt(maxLength - MIN_STRING_LENGTH);
    StringBuilder s = new StringBuilder(length);
    while (length-- > 0) s.append(nextInt(13) == 0 ? ' ' : (char) (97 + nextInt(26)));
    return s.toString().trim();
  }

  private String nextExtra(int currentSize, int averageSize) {
    if (currentSize > averageSize) return "";
    int desired = averageSize - currentSize;
    int delta = (int) Math.round(desired * 0.2);
    int length = desired - delta + (delta == 0 ? 0 : nextInt(2 * delta));
    int start = nextInt(PADDING.length() - length);
    return PADDING.substring(start, start + length);
  }

  /** mulberry32: uniform in [0, 1). */
  private double nextDouble() {
    int t = state = state + 0x6d2b79f5;
    t = (t ^ (t >>> 15)) * (t | 1);
    t ^= t + (t ^ (t >>> 7)) * (t | 61);
    return Integer.toUnsignedLong(t ^ (t >>> 14)) / 4294967296.0;
  }

  private int nextInt(int bound) {
    return (int) Math.floor(nextDouble() * bound);
  }

  private long nextInt(long bound) {
    return (long) Math.floor(nextDouble() * bound);
  }
}
