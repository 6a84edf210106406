/**
 * What the write-back cache (WriteBackCache.ts) holds: a slot per state, an entry per state and
 * key resident in memory, and how an entry's loaded text is decoded.
 */
import { isLeft } from 'fp-ts/Either';
import { EntryCodec } from './entryCodec';

/** A state known by name: registered by a function, or found in a restored snapshot. */
export interface CacheSlot {
  readonly name: string;
  readonly fieldPrefix: string;
  /** Its entries in memory (evictable or pinned), by key text: lookups hash the cursor's key text, not a new field string. */
  readonly entries: Map<string, CacheEntry>;
  /** Keys with a value in this state, in the cache or in the store (kept exact on every write). */
  present: number;
  /** Undefined until a function asks for the state: its entries wait as text until then. */
  codec: EntryCodec | undefined;
  /**
   * The store may hold entries of this state that the cache lacks (restored, or evicted with a
   * value). Otherwise the cache is the whole truth: a key not in it has no value, and a read
   * needs no round trip even for a key that was not prefetched.
   */
  remote: boolean;
  /**
   * The store may hold entries of this state whose keys the cache's StoredKeyFilter lacks
   * (restored server-side, by count): every key the slot lacks is then looked up.
   */
  unlisted: boolean;
  /** A value in this state pins its key. */
  readonly pins: boolean;
}

/** One state of one key, resident in the cache. */
export interface CacheEntry {
  readonly field: string;
  readonly keyString: string;
  readonly keyGroup: number;
  readonly slot: CacheSlot;
  /** undefined: the key has no value in this state (or it is still `raw`). */
  value: unknown;
  /** Loaded text of a state not yet registered, decoded on first access. */
  raw: string | undefined;
  /** Differs from what the store holds. */
  dirty: boolean;
  /** Its load from the store is under way: neither absent nor known yet, so no batch may use it. */
  loading: boolean;
  /** The serialized value, kept while it is known, so snapshots do not serialize twice. */
  text: string | undefined;
  /** Why the stored entry could not be decoded; every access fails with it. */
  error: string | undefined;
  /** The batch that last touched it: entries of the current batch are never evicted. */
  generation: number;
  /** Its neighbours in the eviction order while it is evictable (EvictionOrder.ts). */
  older: CacheEntry | undefined;
  newer: CacheEntry | undefined;
}

/** Decodes an entry's loaded text with its state's codec; a failure stays on the entry. */
export function decodeEntry(entry: CacheEntry, codec: EntryCodec): void {
  const decoded = codec.decode(entry.raw!);
  if (isLeft(decoded)) entry.error = decoded.left;
  else {
    entry.value = decoded.right;
    entry.text = entry.raw;
  }
  entry.raw = undefined;
}

/**
 * The failure of an access to an entry whose load is under way: a batch that met it must have
 * waited for that load (the prefetch answers with it); reading it as absent would lose the
 * stored value, and the load arriving later would overwrite what the batch wrote.
 */
export function loadUnderWay(state: string, keyString: string): Error {
  return new Error(`state '${state}' of key ${keyString} is used before its load from Redis completed: the batch did not wait for its prefetch (a defect of the task's input path)`);
}

/** The failure of an access to an entry that may be in the store only. */
export function notLoaded(state: string, keyString: string): Error {
  return new Error(
    `state '${state}' of key ${keyString} is not loaded: with the Redis backend, keyed state is readable ` +
      `for the keys of the batch being processed (prefetched); access state only for the current record's key`,
  );
}
