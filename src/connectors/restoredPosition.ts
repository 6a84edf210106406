/**
 * Decoding a source's restored position: it comes from a checkpoint, so it is checked, and a
 * bad one is refused with the source's name rather than trusted.
 */

/** The restored position as a non-negative integer, or `fallback` on a fresh start. */
export function restoredOffset(source: string, position: unknown, fallback: number): number {
  if (position === undefined) return fallback;
  if (typeof position !== 'number' || !Number.isInteger(position) || position < 0) {
    throw new Error(`${source}: cannot resume from position ${JSON.stringify(position)}; expected a non-negative integer`);
  }
  return position;
}
