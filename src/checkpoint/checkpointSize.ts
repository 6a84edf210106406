/**
 * The approximate size of a checkpoint's snapshots, for metrics and the checkpoint history:
 * two bytes per character of every string (keys and serialized values), eight per number or
 * boolean. Walked once per checkpoint by the coordinator, not per record; stores may encode
 * differently, so this is the state's size, not the bytes a store wrote. A frozen object's
 * size is computed once: the links of a memory backend's chain of deltas are frozen and shared
 * by consecutive checkpoints (state/keyedStateDeltas.ts), so each is walked only once.
 */
export function checkpointSize(value: unknown): number {
  let bytes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    switch (typeof v) {
      case 'string':
        bytes += 2 * v.length;
        break;
      case 'number':
      case 'boolean':
        bytes += 8;
        break;
      case 'object':
        if (v === null) break;
        if (Object.isFrozen(v)) {
          bytes += frozenSize(v);
          break;
        }
        if (Array.isArray(v)) for (const item of v) stack.push(item);
        else
          for (const [k, item] of Object.entries(v)) {
            bytes += 2 * k.length;
            stack.push(item);
          }
        break;
    }
  }
  return bytes;
}

/** Sizes of frozen objects already walked; dropped with them. */
const frozenSizes = new WeakMap<object, number>();

function frozenSize(v: object): number {
  let size = frozenSizes.get(v);
  if (size === undefined) {
    // Walked as a copy that is not frozen itself, so the walk descends into it.
    size = checkpointSize(Array.isArray(v) ? v.slice() : { ...v });
    frozenSizes.set(v, size);
  }
  return size;
}
