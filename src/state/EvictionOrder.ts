/**
 * The write-back cache's evictable entries, oldest first (WriteBackCache.ts): a list linked
 * through the entries themselves. A Set kept the same order, but a deleted member stays a hole
 * that every walk from its start skips until the Set rehashes: the sweep after each batch walked
 * over up to half the table's slots of holes (about 40 µs a batch at the default bound, a tenth
 * of Nexmark q3's CPU on Redis). Here removal unlinks, and a walk meets only live entries.
 */
import type { CacheEntry } from './cacheEntry';

export class EvictionOrder {
  private oldest: CacheEntry | undefined;
  private newest: CacheEntry | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The oldest entry; walk on with `entry.newer`. */
  first(): CacheEntry | undefined {
    return this.oldest;
  }

  has(entry: CacheEntry): boolean {
    return entry.older !== undefined || this.oldest === entry;
  }

  /** Appends `entry` as the newest; an entry already listed stays where it is (as Set.add). */
  add(entry: CacheEntry): void {
    if (this.has(entry)) return;
    this.append(entry);
  }

  /** Unlinks `entry`; nothing when it is not listed. */
  delete(entry: CacheEntry): void {
    if (!this.has(entry)) return;
    this.unlink(entry);
  }

  /** Moves a listed `entry` to the newest end. */
  moveToNewest(entry: CacheEntry): void {
    if (this.newest === entry) return;
    this.unlink(entry);
    this.append(entry);
  }

  clear(): void {
    for (let entry = this.oldest; entry !== undefined; ) {
      const next = entry.newer;
      entry.older = entry.newer = undefined;
      entry = next;
    }
    this.oldest = this.newest = undefined;
    this.count = 0;
  }

  private append(entry: CacheEntry): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest === undefined) this.oldest = entry;
    else this.newest.newer = entry;
    this.newest = entry;
    this.count++;
  }

  private unlink(entry: CacheEntry): void {
    const { older, newer } = entry;
    if (older === undefined) this.oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.newest = older;
    else newer.older = older;
    entry.older = entry.newer = undefined;
    this.count--;
  }
}
