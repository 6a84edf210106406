/**
 * A model that learns from a stream and scores it in the same pass. Its parameters are plain
 * data (they are the operator's keyed state: checkpointed, restored, rescaled by key group), and
 * learning and scoring are pure functions of them, so a restore gives the same model the
 * uninterrupted run had at that point.
 */
import { Serializer } from '../state/Serializer';

/** A model `OnlineLearner` can train and query: parameters `P` as plain data, and pure functions of them. */
export interface OnlineModel<P> {
  /** A short name, shown in errors and as the state's name. */
  readonly name: string;
  /** How the parameters are stored in checkpoints (decoded on restore, never trusted). */
  readonly serializer: Serializer<P>;
  /** The parameters before anything was learned. */
  initial(): P;
  /** The score of `features` under `params`: for a classifier, the probability of the positive class. */
  predict(params: P, features: readonly number[]): number;
  /** The parameters after learning from one labelled example; `params` is not changed. */
  learn(params: P, features: readonly number[], label: number): P;
}
