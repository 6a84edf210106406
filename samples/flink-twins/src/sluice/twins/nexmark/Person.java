package sluice.twins.nexmark;

/** A person of samples/nexmark/model.ts; a POJO (public fields, no-argument constructor) so Flink serializes it without Kryo. */
public final class Person {
  public long id;
  public String name;
  public String emailAddress;
  public String creditCard;
  public String city;
  public String state;
  public long dateTime;
  public String extra;

  public Person() {}
}
