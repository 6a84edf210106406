/**
 * The check that the Java port of the Nexmark generator (src/sluice/twins/nexmark/
 * NexmarkGenerator.java) makes the same events as samples/nexmark/generator.ts: both sides
 * write every event of a sample as one line of text, all its fields, and hash the lines
 * (FNV-1a over UTF-16 code units); GeneratorCheck.java does the same in Java.
 */
import { NexmarkGenerator } from '../nexmark/generator';
import { BENCH_CONFIG } from '../nexmark/benchSettings';
import { NexmarkEvent } from '../nexmark/model';

/** Event numbers of the sample: the first ones, some past 10^9, some past 2^32 (the seed mixes in n's high bits). */
export const SAMPLE_RANGES: ReadonlyArray<readonly [from: number, count: number]> = [
  [0, 50_000],
  [1_000_000_000, 5_000],
  [4_294_967_296 + 7, 5_000],
];

/** One event as text, every field, in model order (the same as GeneratorCheck.line). */
export function eventLine(e: NexmarkEvent): string {
  switch (e.kind) {
    case 'person':
      return ['p', e.id, e.name, e.emailAddress, e.creditCard, e.city, e.state, e.dateTime, e.extra].join('|');
    case 'auction':
      return ['a', e.id, e.itemName, e.description, e.initialBid, e.reserve, e.dateTime, e.expires, e.seller, e.category, e.extra].join('|');
    case 'bid':
      return ['b', e.auction, e.bidder, e.price, e.dateTime, e.extra].join('|');
  }
}

/** FNV-1a (32 bits) of the sample's lines, each followed by a newline, and how many events it covers. */
export function generatorChecksum(): { readonly events: number; readonly checksum: number } {
  const generator = new NexmarkGenerator(BENCH_CONFIG);
  let h = 0x811c9dc5;
  let events = 0;
  for (const [from, count] of SAMPLE_RANGES) {
    for (let n = from; n < from + count; n++, events++) {
      const line = `${eventLine(generator.event(n))}\n`;
      for (let i = 0; i < line.length; i++) h = Math.imul(h ^ line.charCodeAt(i), 0x01000193);
    }
  }
  return { events, checksum: h >>> 0 };
}
