/**
 * How records of an edge are spread over the consuming operator's parallel instances.
 * `hash` sends each key to the instance owning its key group (docs/internals.md, invariant 5).
 */
import { Key } from '../state/keyHash';

export type KeySelector<T = any> = (record: T) => Key;

export type Partitioning =
  | { readonly kind: 'forward' }
  | { readonly kind: 'rebalance' }
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'hash'; readonly keySelector: KeySelector };

export const forward: Partitioning = { kind: 'forward' };
export const rebalance: Partitioning = { kind: 'rebalance' };
export const broadcast: Partitioning = { kind: 'broadcast' };
export const hash = (keySelector: KeySelector): Partitioning => ({ kind: 'hash', keySelector });
