/**
 * Where the Redis backend keeps keyed state (docs/redis.md): one hash per key group of an
 * operator, and next to it the pieces of incremental snapshots.
 *
 *   <prefix>:<jobId>:<operatorUid>                  the operator's space
 *   <space>:kg:<keyGroup>                           hash: <state>/<key text> -> entry text
 *   <kg hash>:snap:<name>                           hash: a snapshot piece (a full copy, or a delta's changed entries)
 *   <kg hash>:snap:<name>:del                       set: fields a delta deletes
 *   <kg hash>:chains                                hash: checkpoint (or pending snapshot) name -> its chain of piece names
 *
 * <state> is the state name URI-encoded (so it holds no '/'); the entry text comes from the
 * state's serializer (entryCodec.ts). A key group is one hash, so it moves whole. The Lua
 * scripts (redisSnapshotScripts.ts) rely on this layout too: they split fields at the first
 * '/' and find a piece's hash by cutting ':chains' off.
 */

/** `<keyPrefix>:<jobId>:<operatorUid>`: the key space of one operator's state. */
export function stateSpace(keyPrefix: string, jobId: string, operatorUid: string): string {
  return `${keyPrefix}:${jobId}:${operatorUid}`;
}

/** The hash of key group `keyGroup` in an operator's space. */
export function keyGroupHashOf(space: string, keyGroup: number | string): string {
  return `${space}:kg:${keyGroup}`;
}

/** The hash holding key group `keyGroup` of one operator's state. */
export function keyGroupHashKey(keyPrefix: string, jobId: string, operatorUid: string, keyGroup: number): string {
  return keyGroupHashOf(stateSpace(keyPrefix, jobId, operatorUid), keyGroup);
}

/** The hash field of `keyString` in state `stateName`. */
export function stateField(stateName: string, keyString: string): string {
  return `${encodeURIComponent(stateName)}/${keyString}`;
}

/** The state name and key text of a hash field; undefined for a field of another shape. */
export function parseStateField(field: string): { readonly state: string; readonly keyString: string } | undefined {
  const slash = field.indexOf('/');
  if (slash <= 0) return undefined;
  try {
    return { state: decodeURIComponent(field.slice(0, slash)), keyString: field.slice(slash + 1) };
  } catch {
    return undefined;
  }
}

/** Piece names are checkpoint ids or `f<token>` (a final snapshot): no separator, nothing to escape. */
export const PIECE_NAME = /^[A-Za-z0-9]{1,64}$/;

export const pieceKey = (kgHash: string, name: string) => `${kgHash}:snap:${name}`;
export const pieceDeletesKey = (kgHash: string, name: string) => `${kgHash}:snap:${name}:del`;
export const chainsKey = (kgHash: string) => `${kgHash}:chains`;

/**
 * Adds the state entries of one key group's hash, as HGETALL lists them (field, text, field,
 * text, …), to a snapshot's key groups; other fields are skipped. `names` memoizes the decoded
 * state names by their encoded form, so a field costs a slice and a lookup, not a decode.
 */
export function addEntries(
  keyGroups: Record<string, Record<string, Array<readonly [string, string]>>>,
  keyGroup: number,
  flat: readonly string[],
  names: Map<string, string | undefined>,
): void {
  let states: Record<string, Array<readonly [string, string]>> | undefined;
  for (let i = 0; i < flat.length; i += 2) {
    const field = flat[i];
    const slash = field.indexOf('/');
    if (slash <= 0) continue;
    const encoded = field.slice(0, slash);
    let name = names.get(encoded);
    if (name === undefined && !names.has(encoded)) names.set(encoded, (name = decodedOrUndefined(encoded)));
    if (name === undefined) continue;
    ((states ??= keyGroups[keyGroup] ??= {})[name] ??= []).push([field.slice(slash + 1), flat[i + 1]]);
  }
}

function decodedOrUndefined(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/** Adds `[key text, entry text]` of `field` to a snapshot's key groups, when the field is a state entry. */
export function addEntry(keyGroups: Record<string, Record<string, Array<readonly [string, string]>>>, keyGroup: number | string, field: string, text: string): void {
  const parsed = parseStateField(field);
  if (parsed === undefined) return;
  ((keyGroups[keyGroup] ??= {})[parsed.state] ??= []).push([parsed.keyString, text]);
}
