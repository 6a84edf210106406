/**
 * A 32-bit integer hash (lowbias32, after Chris Wellons' hash prospector): well mixed, cheap,
 * and the same on every run, so the samples' generators are deterministic per index.
 */
export function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}
