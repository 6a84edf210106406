package sluice.twins.nexmark;

/** A bid of samples/nexmark/model.ts; `price` is a double so that q1's euros fit the same type (q0's prices are whole cents). */
public final class Bid {
  public long auction;
  public long bidder;
  public double price;
  public long dateTime;
  public String extra;

  public Bid() {}

  public Bid(long auction, long bidder, double price, long dateTime, String extra) {
    this.auction = auction;
    this.bidder = bidder;
    this.price = price;
    this.dateTime = dateTime;
    this.extra = extra;
  }
}
