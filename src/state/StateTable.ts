/**
 * The storage a state backend provides for one named state: a value per key of the current
 * key context. The state primitives in keyedStates.ts are written once on top of it, so a
 * new backend implements only this.
 */
export interface StateTable<V> {
  /** The value stored for the current key, if any. */
  get(): V | undefined;
  put(value: V): void;
  remove(): void;
}
