/**
 * Incremental snapshots of the memory backend: a snapshot is a chain, a full copy of the state
 * (`keyGroups`) followed by deltas (`increments`), each holding only the entries written or
 * removed since the link before it. Links are immutable and shared by reference between the
 * snapshots of consecutive checkpoints, so a checkpoint encodes only what changed since the
 * previous one. Restoring the chain (each key group's full copy, then every delta in order)
 * gives the state the snapshot was taken of; `foldKeyedSnapshot` makes a chain a full copy
 * again (savepoints, readers of entries). The Redis backend's incremental snapshots keep their
 * pieces in Redis instead (incrementalSnapshots.ts).
 */
import * as t from 'io-ts';

/** Key group -> state name -> [key text, entry text] pairs. */
const EntriesCodec = t.readonly(t.record(t.string, t.readonly(t.record(t.string, t.readonlyArray(t.readonly(t.tuple([t.string, t.string])))))));
export type SnapshotEntries = t.TypeOf<typeof EntriesCodec>;

/** One link after the full copy: entries written since the link before, and keys removed. */
export const KeyedStateDeltaCodec = t.readonly(
  t.type({
    keyGroups: EntriesCodec,
    /** Key group -> state name -> key texts whose entry was removed. */
    removed: t.readonly(t.record(t.string, t.readonly(t.record(t.string, t.readonlyArray(t.string))))),
  }),
);
export type KeyedStateDelta = t.TypeOf<typeof KeyedStateDeltaCodec>;

/**
 * Links of a chain, its full copy included (as the Redis backend's MAX_CHAIN_LENGTH): a chain
 * this long is replaced by a full copy at the next snapshot, since a restore applies every
 * link and a store that serializes checkpoints (file, Redis) writes every link each time.
 */
export const MAX_DELTA_CHAIN = 16;

/**
 * A delta holds at most this share of the full copy's entries; when more keys change between
 * two snapshots, the next is a full copy. Keys are recorded per write until then, and a job whose
 * keys nearly all change between checkpoints would otherwise pay for recording them and gain
 * little from a delta.
 */
export const MAX_DELTA_SHARE = 0.25;

/** Folds a full copy and its deltas into one full copy: the entries a restore of the chain ends with. */
export function foldEntries(base: SnapshotEntries, increments: readonly KeyedStateDelta[]): SnapshotEntries {
  if (increments.length === 0) return base;
  // key group -> state -> key text -> entry text
  const groups = new Map<string, Map<string, Map<string, string>>>();
  const stateOf = (kg: string, name: string) => {
    let states = groups.get(kg);
    if (states === undefined) groups.set(kg, (states = new Map()));
    let entries = states.get(name);
    if (entries === undefined) states.set(name, (entries = new Map()));
    return entries;
  };
  const apply = (entries: SnapshotEntries) => {
    for (const [kg, states] of Object.entries(entries)) for (const [name, list] of Object.entries(states)) {
      const map = stateOf(kg, name);
      for (const [key, text] of list) map.set(key, text);
    }
  };
  apply(base);
  for (const delta of increments) {
    for (const [kg, states] of Object.entries(delta.removed)) for (const [name, keys] of Object.entries(states)) {
      const map = groups.get(kg)?.get(name);
      if (map !== undefined) for (const key of keys) map.delete(key);
    }
    apply(delta.keyGroups);
  }
  const folded: Record<string, Record<string, Array<readonly [string, string]>>> = {};
  for (const [kg, states] of groups) {
    for (const [name, map] of states) if (map.size > 0) (folded[kg] ??= {})[name] = [...map];
  }
  return folded;
}

/** Entries held by the links of a chain (what a restore applies): for the compaction rule. */
export function entryCount(entries: SnapshotEntries): number {
  let n = 0;
  for (const states of Object.values(entries)) for (const list of Object.values(states)) n += list.length;
  return n;
}

/** A snapshot as a full copy: its chain folded, no `increments` (a snapshot without any is returned as is). */
export function foldKeyedSnapshot<S extends { readonly keyGroups: SnapshotEntries; readonly increments?: readonly KeyedStateDelta[] }>(snapshot: S): S {
  if (snapshot.increments === undefined) return snapshot;
  const { increments, ...rest } = snapshot;
  return { ...rest, keyGroups: foldEntries(snapshot.keyGroups, increments) } as unknown as S;
}
