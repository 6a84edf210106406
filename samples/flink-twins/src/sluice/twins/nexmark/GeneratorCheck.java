package sluice.twins.nexmark;

/**
 * Prints {"events":N,"checksum":H}: FNV-1a (32 bits) of a sample of the Java generator's events,
 * each as one line of text, to compare with samples/flink-twins/nexmarkGeneratorCheck.ts (same
 * sample, same lines, same hash): equal only if every field of every event is the same.
 */
public final class GeneratorCheck {
  private GeneratorCheck() {}

  /** SAMPLE_RANGES of nexmarkGeneratorCheck.ts: {from, count}. */
  private static final long[][] SAMPLE_RANGES = {{0, 50_000}, {1_000_000_000L, 5_000}, {4_294_967_296L + 7, 5_000}};

  static String line(Event e) {
    if (e.person != null) {
      Person p = e.person;
      return String.join("|", "p", Long.toString(p.id), p.name, p.emailAddress, p.creditCard, p.city, p.state, Long.toString(p.dateTime), p.extra);
    }
    if (e.auction != null) {
      Auction a = e.auction;
      return String.join("|", "a", Long.toString(a.id), a.itemName, a.description, Long.toString(a.initialBid), Long.toString(a.reserve),
          Long.toString(a.dateTime), Long.toString(a.expires), Long.toString(a.seller), Long.toString(a.category), a.extra);
    }
    Bid b = e.bid;
    return String.join("|", "b", Long.toString(b.auction), Long.toString(b.bidder), Long.toString((long) b.price), Long.toString(b.dateTime), b.extra);
  }

  public static void main(String[] args) {
    NexmarkGenerator generator = NexmarkGenerator.forBenchmark();
    int h = 0x811c9dc5;
    long events = 0;
    for (long[] range : SAMPLE_RANGES) {
      for (long n = range[0]; n < range[0] + range[1]; n++, events++) {
        String line = line(generator.event(n)) + "\n";
        for (int i = 0; i < line.length(); i++) h = (h ^ line.charAt(i)) * 0x01000193;
      }
    }
    System.out.println("{\"events\":" + events + ",\"checksum\":" + Integer.toUnsignedString(h) + "}");
  }
}
