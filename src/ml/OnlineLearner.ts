/**
 * The keyed operator of online learning: for each record it scores the features with the
 * key's model as it stands, then — when the record carries a label — learns from it
 * (prequential: every labelled record is scored before the model has seen it, so the scores
 * are an honest running test). The model's parameters are the key's ValueState: one model per
 * key, or one for the whole stream by keying on a constant.
 *
 *   payments.keyBy((p) => p.merchant).process(new OnlineLearner(model, { features, label })).uid('fraud-model')
 */
import { Collector } from '../graph/Collector';
import { KeyedProcessContext, KeyedProcessFunction } from '../api/ProcessFunction';
import { RuntimeContext } from '../api/RuntimeContext';
import { Key } from '../state/keyHash';
import { ValueState } from '../state/State';
import { ValueStateDescriptor } from '../state/StateDescriptor';
import { OnlineModel } from './OnlineModel';

/** How `OnlineLearner` reads a record. */
export interface OnlineLearnerOptions<T> {
  /** The record's features, as many as the model expects, finite numbers. */
  readonly features: (record: T) => readonly number[];
  /** The record's label, or undefined for a record that is only scored. */
  readonly label: (record: T) => number | undefined;
}

/** A record with the score its key's model gave it before learning from it. */
export interface Scored<T> {
  readonly record: T;
  readonly score: number;
  /** Whether the model learnt from this record (it had a label). */
  readonly learnt: boolean;
}

/** Scores each record with its key's model, then learns from it when labelled (see the module's header). */
export class OnlineLearner<K extends Key, T, P> extends KeyedProcessFunction<K, T, Scored<T>> {
  private params!: ValueState<P>;

  /** `model`: what learns; `options`: how a record gives its features and, when known, its label. */
  constructor(private readonly model: OnlineModel<P>, private readonly options: OnlineLearnerOptions<T>) {
    super();
  }

  /** Registers the model's parameters as the key's value state. */
  open(context: RuntimeContext): void {
    this.params = context.getState(new ValueStateDescriptor(this.model.name, this.model.serializer));
  }

  /** Scores the record with its key's model, then learns from it when it has a label. */
  processElement(record: T, _ctx: KeyedProcessContext<K>, out: Collector<Scored<T>>): void {
    const features = this.options.features(record);
    const label = this.options.label(record);
    const params = this.params.value() ?? this.model.initial();
    const score = this.model.predict(params, features);
    if (label !== undefined) this.params.update(this.model.learn(params, features, label));
    out.collect({ record, score, learnt: label !== undefined });
  }
}
