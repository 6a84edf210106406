package sluice.twins.nexmark;

/** One Nexmark event: exactly one of person, auction and bid is set (NexmarkEvent of model.ts). */
public final class Event {
  public Person person;
  public Auction auction;
  public Bid bid;

  public Event() {}

  public long dateTime() {
    return person != null ? person.dateTime : auction != null ? auction.dateTime : bid.dateTime;
  }
}
