package sluice.twins;

/**
 * The twin of samples/bench/workloads.ts: the same events (lowbias32 of the index, unsigned
 * 32-bit arithmetic as in JavaScript), the same map and filter functions, so the Flink jobs do
 * the same per-event work as the Sluice jobs and their sinks see the same values.
 */
public final class Workloads {
  /** Distinct keys of the keyed benchmark (ACCOUNTS in workloads.ts). */
  public static final int ACCOUNTS = 50_000;

  private Workloads() {}

  /** A trade, as in workloads.ts; a POJO (public fields, no-argument constructor) so Flink serializes it without Kryo. */
  public static final class Trade {
    public int id;
    public int account;
    /** 0.00 .. 99.99 */
    public double amount;

    public Trade() {}
  }

  /** A trade with its 1% fee (map #1 allocates a new record, as the Sluice job does). */
  public static final class PricedTrade {
    public int id;
    public int account;
    public double amount;
    public double fee;

    public PricedTrade() {}
  }

  /** lowbias32 of samples/common/lowbias32.ts, as an unsigned 32-bit value. */
  public static long lowbias32(long value) {
    int x = (int) value;
    x ^= x >>> 16;
    x *= 0x7feb352d;
    x ^= x >>> 15;
    x *= 0x846ca68b;
    x ^= x >>> 16;
    return x & 0xFFFFFFFFL;
  }

  /** The event at `index` (trade() in workloads.ts). */
  public static Trade trade(long index) {
    long h = lowbias32(index);
    Trade t = new Trade();
    t.id = (int) index;
    t.account = (int) (h % ACCOUNTS);
    t.amount = (lowbias32(h) % 10_000) / 100.0;
    return t;
  }

  public static PricedTrade price(Trade t) {
    PricedTrade p = new PricedTrade();
    p.id = t.id;
    p.account = t.account;
    p.amount = t.amount;
    p.fee = t.amount * 0.01;
    return p;
  }

  public static boolean isLarge(PricedTrade t) {
    return t.amount >= 20;
  }

  public static double net(PricedTrade t) {
    return t.amount - t.fee;
  }
}
