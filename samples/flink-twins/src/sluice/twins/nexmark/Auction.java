package sluice.twins.nexmark;

/** An auction of samples/nexmark/model.ts (prices in cents, times in epoch milliseconds). */
public final class Auction {
  public long id;
  public String itemName;
  public String description;
  public long initialBid;
  public long reserve;
  public long dateTime;
  public long expires;
  public long seller;
  public long category;
  public String extra;

  public Auction() {}
}
