/**
 * A StateTable whose values expire: each stored value carries the time it was last written
 * (or read, with 'OnReadAndWrite'); a read past its time removes it and returns nothing. It
 * wraps any backend's table, so TTL works the same in memory and in Redis.
 */
import { StateTable } from './StateTable';
import { StateTtlConfig } from './StateTtlConfig';

/** A value with the time it was last touched: what a TTL state stores. */
export interface Stamped<V> {
  readonly v: V;
  readonly t: number;
}

export class TtlStateTable<V> implements StateTable<V> {
  constructor(private readonly inner: StateTable<Stamped<V>>, private readonly ttl: StateTtlConfig, private readonly now: () => number = Date.now) {}

  get(): V | undefined {
    const stamped = this.inner.get();
    if (stamped === undefined) return undefined;
    const now = this.now();
    if (now - stamped.t >= this.ttl.ttlMs) {
      // Expired values are cleaned up on access; the visibility option only says whether this read still sees it.
      this.inner.remove();
      return this.ttl.visibility === 'ReturnExpiredIfNotCleanedUp' ? stamped.v : undefined;
    }
    if (this.ttl.updateType === 'OnReadAndWrite') this.inner.put({ v: stamped.v, t: now });
    return stamped.v;
  }

  put(value: V): void {
    this.inner.put({ v: value, t: this.now() });
  }

  remove(): void {
    this.inner.remove();
  }
}
