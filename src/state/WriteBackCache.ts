/**
 * The Redis backend's write-back cache of one task, with no Redis in it: entries (state × key)
 * resident in memory, which of them differ from the store (dirty), CLOCK eviction past a bound,
 * and pinned keys. The backend's I/O (RedisStateIO.ts) loads what a batch lacks and writes
 * back what eviction and snapshots hand it; everything here is synchronous.
 *
 * Pinned keys: a key is pinned while it has a value in a pinning state (named when the cache is
 * made; the timer service's state, so that a timer firing outside any batch finds its key's
 * state). All entries of a pinned key leave the evictable ones and stay in memory; the bound
 * applies to the other keys. A pinned key's entries are complete: a missing one is an absent value.
 */
import { CacheEntry, CacheSlot, decodeEntry, loadUnderWay, notLoaded } from './cacheEntry';
import { EvictionOrder } from './EvictionOrder';
import { KeyGroupRange } from './keyGroups';
import { stateField } from './redisKeyLayout';
import { StoredKeyFilter } from './StoredKeyFilter';

export { CacheEntry, CacheSlot } from './cacheEntry';

/** Keys the store-key filter is sized for, per entry of the cache's bound. */
const STORED_KEYS_PER_CACHED_ENTRY = 8;
/** The fewest touched keys noted before those of older batches are dropped. */
const MIN_TOUCHED_BOUND = 4096;

export class WriteBackCache {
  private readonly slotsByName = new Map<string, CacheSlot>();
  /** The slots, for the per-key loops (an array walk, no iterator per key). */
  readonly slots: CacheSlot[] = [];
  private readonly pinningSlots: CacheSlot[] = [];
  /** The entries eviction may remove, oldest first: every entry in memory except those of pinned keys. */
  private readonly evictable = new EvictionOrder();
  /** Key texts that are pinned. */
  private readonly pinned = new Set<string>();
  /**
   * The keys touched by the last two batches (the one processed and the one prefetched ahead of
   * it). A touched key that a slot lacks has no value there: touch loads every entry the store
   * may hold and keeps nothing for the others, whose entry would only say "absent" (q3 made two
   * entries per new key, one of them never used, and swept both out again). Key -> the batch
   * (generation) that last touched it while a slot lacked it; the keys of older batches are
   * dropped when there are many (two Sets swapped and cleared at every batch cost more).
   */
  private readonly touched = new Map<string, number>();
  private dirty = new Set<CacheEntry>();
  /** The keys the store may hold entries of (evicted with a value, or restored with their keys known). */
  private readonly stored: StoredKeyFilter;
  /**
   * Entries per key group (by offset from the range's start), kept on every write like
   * `present`: an incremental snapshot tells from it that a key group's piece will be a full copy.
   */
  readonly groupSizes: number[];
  private generation = 0;
  /** The current batch touched an entry still loading for an earlier one. */
  private metLoading = false;
  /** The size of `touched` at which the keys of older batches are dropped. */
  private touchedBound = MIN_TOUCHED_BOUND;
  /** Batch key look-ups (per state) that found their entry resident, and those that did not. */
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly range: KeyGroupRange,
    private readonly capacity: number,
    private readonly pinningStates: readonly string[],
    /** Told once per entry and epoch when an entry becomes dirty (incremental snapshots record the field). */
    private readonly onChanged?: (keyGroup: number, field: string) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`cacheSize must be a positive integer, got ${capacity}`);
    this.groupSizes = new Array<number>(Math.max(0, range.end - range.start + 1)).fill(0);
    // The store holds more keys than the cache: sized for several times the bound.
    this.stored = new StoredKeyFilter(capacity * STORED_KEYS_PER_CACHED_ENTRY);
  }

  slot(name: string): CacheSlot {
    let slot = this.slotsByName.get(name);
    if (slot === undefined) {
      const pins = this.pinningStates.includes(name);
      this.slotsByName.set(name, (slot = { name, fieldPrefix: stateField(name, ''), entries: new Map(), present: 0, codec: undefined, remote: false, unlisted: false, pins }));
      this.slots.push(slot);
      if (pins) this.pinningSlots.push(slot);
    }
    return slot;
  }

  // --- the hot path -------------------------------------------------------------------------------

  /** The value of `keyString` in `slot` (a registered state). */
  get(slot: CacheSlot, keyString: string): unknown {
    const entry = slot.entries.get(keyString);
    if (entry === undefined) {
      if (slot.remote && !this.knownAbsent(keyString)) throw notLoaded(slot.name, keyString);
      return undefined;
    }
    if (entry.loading) throw loadUnderWay(slot.name, keyString);
    if (entry.raw !== undefined) decodeEntry(entry, slot.codec!);
    if (entry.error !== undefined) throw new Error(`cannot restore state '${slot.name}' of key ${entry.keyString}: ${entry.error}`);
    return entry.value;
  }

  /** Sets (or, with undefined, removes) the value of `keyString` in `slot` (a registered state). */
  put(slot: CacheSlot, keyString: string, keyGroup: number, value: unknown): void {
    let entry = slot.entries.get(keyString);
    if (entry === undefined) {
      const pinned = this.pinned.has(keyString);
      if (slot.remote && !pinned && !this.touchedLately(keyString)) throw notLoaded(slot.name, keyString);
      if (value === undefined) return;
      entry = this.newEntry(keyString, keyGroup, slot, this.generation);
      if (!pinned) this.evictable.add(entry);
    }
    if (entry.loading) throw loadUnderWay(slot.name, keyString);
    if (entry.raw !== undefined) decodeEntry(entry, slot.codec!);
    if (entry.error !== undefined) throw new Error(`cannot restore state '${slot.name}' of key ${keyString}: ${entry.error}`);
    // Removing what is absent from the cache and the store alike (a clean entry is what the store
    // holds) changes nothing: no write back, no changed field (q3 clears every person's empty list).
    if (value === undefined && entry.value === undefined && !entry.dirty) return;
    if ((entry.value === undefined) !== (value === undefined)) {
      slot.present += value === undefined ? -1 : 1;
      this.groupSizes[keyGroup - this.range.start] += value === undefined ? -1 : 1;
    }
    entry.value = value;
    entry.text = undefined;
    // A dirty entry is in the dirty set and, in this epoch, among the changed fields already.
    if (!entry.dirty) {
      entry.dirty = true;
      this.dirty.add(entry);
      this.onChanged?.(keyGroup, entry.field);
    }
    if (slot.pins) this.setPinned(keyString, value !== undefined || this.pinnedByAnother(slot, keyString));
  }

  /** A key whose entries a slot lacks has no value there: its entries are all resident (pinned) or it was just touched. */
  private knownAbsent(keyString: string): boolean {
    return this.pinned.has(keyString) || this.touchedLately(keyString);
  }

  private touchedLately(keyString: string): boolean {
    const generation = this.touched.get(keyString);
    return generation !== undefined && generation >= this.generation - 1;
  }

  /** Notes that the current batch touched `keyString`; forgets the keys older batches touched once they are many. */
  private noteTouched(keyString: string): void {
    const touched = this.touched;
    touched.set(keyString, this.generation);
    if (touched.size < this.touchedBound) return;
    const recent = this.generation - 1;
    for (const [key, generation] of touched) if (generation < recent) touched.delete(key);
    this.touchedBound = Math.max(MIN_TOUCHED_BOUND, 2 * touched.size);
  }

  private pinnedByAnother(slot: CacheSlot, keyString: string): boolean {
    for (const other of this.pinningSlots) {
      if (other === slot) continue;
      const entry = other.entries.get(keyString);
      if (entry !== undefined && (entry.value !== undefined || entry.raw !== undefined)) return true;
    }
    return false;
  }

  /** Pins a key's entries when it gets its first pinning value, unpins them when its last one goes. */
  private setPinned(keyString: string, pinned: boolean): void {
    if (pinned === this.pinned.has(keyString)) return;
    if (pinned) this.pinned.add(keyString);
    else this.pinned.delete(keyString);
    for (const slot of this.slots) {
      const entry = slot.entries.get(keyString);
      if (entry === undefined) continue;
      if (pinned) this.evictable.delete(entry);
      else {
        entry.generation = this.generation; // back among the evictable ones as just used
        this.evictable.add(entry);
      }
    }
  }

  // --- batches --------------------------------------------------------------------------------------

  /** Starts a batch: the entries it touches are never evicted by its own sweep. */
  beginBatch(): void {
    this.generation++;
    this.metLoading = false;
  }

  /** Whether the current batch touched an entry whose load (asked by an earlier batch) is under way: it must wait for that load. */
  batchMetLoading(): boolean {
    return this.metLoading;
  }

  /**
   * Marks the key's entries used by the current batch, and makes resident the entries the slots
   * lack and the store may hold: they go to `missing`, to be loaded. The store may hold an entry
   * only in a slot that has entries there (`remote`), and only of a key that left the cache with
   * a value or was restored (StoredKeyFilter.ts), unless the slot's stored keys are not listed
   * (`unlisted`). The entries it cannot hold get none: the key is noted as touched, and a slot
   * lacking it has no value for it during this batch and the next. A look-up is a hit when its
   * entry was resident (a pinned key's always is), a miss otherwise, also for a key with no value.
   */
  touch(keyString: string, keyGroup: number, missing: CacheEntry[]): void {
    const slots = this.slots;
    // A pinned key's entries are all in memory already.
    if (this.pinned.size !== 0 && this.pinned.has(keyString)) {
      this.hits += slots.length;
      return;
    }
    const generation = this.generation;
    let absentSomewhere = false;
    // Whether the store may hold the key: asked of the filter once, when a remote slot lacks it.
    let inStore: boolean | undefined;
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s];
      const entry = slot.entries.get(keyString);
      // A hit only marks the entry (moving it in the Map per batch cost a third of the hot path).
      if (entry !== undefined) {
        entry.generation = generation;
        this.hits++;
        // Resident but still loading (for the batch prefetched ahead): this batch waits for that load too.
        if (entry.loading) this.metLoading = true;
      } else {
        this.misses++;
        if (slot.remote && (slot.unlisted || (inStore ??= this.stored.mayHold(keyString)))) {
          const created = this.newEntry(keyString, keyGroup, slot, generation);
          created.loading = true;
          this.evictable.add(created);
          missing.push(created);
        } else absentSomewhere = true;
      }
    }
    if (absentSomewhere) this.noteTouched(keyString);
  }

  /**
   * Removes entries beyond the bound, oldest first, giving a second chance (a move to the back)
   * to those used by the last two batches, as the CLOCK algorithm does to those used since its
   * hand passed: the batch prefetched now and the one before, which may be the one processed
   * meanwhile (its writes make entries after this sweep), are never removed. Sweeps run at every
   * batch past the bound, so in steady state that is "used since the previous sweep"; when the
   * cache first passes the bound it is not "every entry" (the first sweep then removed nothing,
   * and the batch's writes took the cache to the bound plus two batches). One sweep looks at each
   * entry at most once, so when every entry is in recent use the cache stays over the bound until
   * a later batch. Returns the dirty entries removed: the caller writes them back (they leave the
   * dirty set, still marked dirty).
   */
  evict(): CacheEntry[] {
    let excess = this.evictable.size - this.capacity;
    if (excess <= 0) return [];
    const written: CacheEntry[] = [];
    let unseen = this.evictable.size;
    const recent = this.generation - 2;
    for (let entry = this.evictable.first(), next: CacheEntry | undefined; entry !== undefined && excess > 0 && unseen-- > 0; entry = next) {
      next = entry.newer;
      // Used lately: a second chance, at the newest end (this walk stops before it).
      if (entry.generation > recent) {
        this.evictable.moveToNewest(entry);
        continue;
      }
      this.evictable.delete(entry);
      entry.slot.entries.delete(entry.keyString);
      excess--;
      if (entry.dirty) {
        this.dirty.delete(entry);
        written.push(entry);
      }
      if (entry.value !== undefined || entry.raw !== undefined || entry.error !== undefined) {
        entry.slot.remote = true;
        this.stored.add(entry.keyString);
      }
    }
    return written;
  }

  /** An entry's stored text arrived (null: the store holds none). */
  loaded(entry: CacheEntry, text: string | null): void {
    entry.loading = false;
    if (text === null) return;
    entry.raw = text;
    if (entry.slot.codec !== undefined) decodeEntry(entry, entry.slot.codec);
  }

  /** The dirty entries, handed over to be written back (the caller marks them clean). */
  takeDirty(): ReadonlySet<CacheEntry> {
    const dirty = this.dirty;
    this.dirty = new Set();
    return dirty;
  }

  get dirtyCount(): number {
    return this.dirty.size;
  }

  // --- restore and reading --------------------------------------------------------------------------

  /** Nothing resident or pinned yet: a restore may still replace the state. */
  isUnused(): boolean {
    return this.evictable.size === 0 && this.pinned.size === 0 && this.touched.size === 0;
  }

  /**
   * `count` restored entries of state `name` in `keyGroup`, left in the store: those of
   * `keyStrings` when the restore knows them, otherwise any key's (the slot is then unlisted).
   */
  restoredInStore(name: string, keyGroup: number, count: number, keyStrings?: readonly string[]): void {
    if (count === 0) return;
    const slot = this.slot(name);
    slot.remote = true;
    if (keyStrings === undefined) slot.unlisted = true;
    else for (const keyString of keyStrings) this.stored.add(keyString);
    slot.present += count;
    this.groupSizes[keyGroup - this.range.start] += count;
  }

  /** A restored entry of a pinned key: resident, decoded on first access. */
  restorePinned(keyString: string, keyGroup: number, name: string, text: string): void {
    this.pinned.add(keyString);
    this.newEntry(keyString, keyGroup, this.slot(name), 0).raw = text;
  }

  /** Whether the store may hold entries the cache lacks. */
  anyRemote(): boolean {
    return this.slots.some((slot) => slot.remote);
  }

  /** Every resident entry, pinned or not. */
  *entries(): IterableIterator<CacheEntry> {
    for (const slot of this.slots) yield* slot.entries.values();
  }

  /** The stored form of an entry's value; undefined when it has none. */
  textOf(entry: CacheEntry): string | undefined {
    return entry.raw ?? (entry.value === undefined ? undefined : (entry.text ??= entry.slot.codec!.encode(entry.value)));
  }

  /**
   * The states with entries, in the cache or in the store, sorted: told by the counts kept on
   * every write and restore (`present`), so nothing is read. A state restored into the store
   * and never asked for since is among them.
   */
  statesWithEntries(): string[] {
    return this.slots
      .filter((slot) => slot.present > 0)
      .map((slot) => slot.name)
      .sort();
  }

  /** The pinned keys with a value in pinning state `name`. */
  pinnedKeys(name: string): string[] {
    const slot = this.slotsByName.get(name);
    if (slot === undefined) return [];
    return [...this.pinned].filter((keyString) => {
      const entry = slot.entries.get(keyString);
      return entry !== undefined && (entry.value !== undefined || entry.raw !== undefined || entry.error !== undefined);
    });
  }

  /** Evictable entries resident, and batch look-ups that found their entry resident or not. */
  statistics(): { entries: number; hits: number; misses: number } {
    return { entries: this.evictable.size, hits: this.hits, misses: this.misses };
  }

  clear(): void {
    this.evictable.clear();
    for (const slot of this.slots) slot.entries.clear();
    this.pinned.clear();
    this.touched.clear();
    this.dirty.clear();
    this.stored.clear();
    this.slotsByName.clear();
    this.slots.length = 0;
    this.pinningSlots.length = 0;
  }

  /** A new entry, in its slot's map (the caller decides whether it is evictable). */
  private newEntry(keyString: string, keyGroup: number, slot: CacheSlot, generation: number): CacheEntry {
    const entry: CacheEntry = { field: slot.fieldPrefix + keyString, keyString, keyGroup, slot, value: undefined, raw: undefined, dirty: false, loading: false, text: undefined, error: undefined, generation, older: undefined, newer: undefined };
    slot.entries.set(keyString, entry);
    return entry;
  }
}
