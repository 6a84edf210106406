/**
 * Query 8, monitor new users: the persons who registered and opened an auction in the same
 * 10 seconds. A window co-group of persons and auctions on person id = seller, emitting each
 * such person once per window (the SQL groups each side by id and window before joining).
 */
import { Collector, DataStream } from '../../../src';
import { Auction, NexmarkEvent, Person, isAuction, isPerson } from '../model';
import { NEXMARK_WINDOW, NexmarkTumbling } from './common';

export interface Q8Result {
  readonly id: number;
  readonly name: string;
  /** The window's start (epoch milliseconds). */
  readonly starttime: number;
}

const windowMs = NEXMARK_WINDOW.toMilliseconds();

export function q8(events: DataStream<NexmarkEvent>): DataStream<Q8Result> {
  return events
    .filter(isPerson)
    .coGroup(events.filter(isAuction))
    .where((p) => p.id)
    .equalTo((a) => a.seller)
    .window(NexmarkTumbling())
    .apply((persons: readonly Person[], auctions: readonly Auction[], out: Collector<Q8Result>) => {
      if (auctions.length === 0) return;
      for (const p of persons) out.collect({ id: p.id, name: p.name, starttime: p.dateTime - (p.dateTime % windowMs) });
    });
}
