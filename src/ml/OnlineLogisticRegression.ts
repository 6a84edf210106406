/**
 * Logistic regression learnt online by stochastic gradient descent with L2 regularisation and
 * a learning rate decaying as rate / (1 + decay·n): the model Flink ML calls
 * OnlineLogisticRegression, in its plainest form. Labels are 0 or 1; a score is P(label = 1).
 */
import * as t from 'io-ts';
import { codecSerializer } from '../state/Serializer';
import { OnlineModel } from './OnlineModel';

/** The parameters of a logistic regression: its checkpointed state. */
export interface LogisticParams {
  readonly weights: readonly number[];
  readonly bias: number;
  /** Examples learnt so far (the learning rate's clock). */
  readonly seen: number;
}

const LogisticParamsCodec = t.type({ weights: t.readonlyArray(t.number), bias: t.number, seen: t.number }, 'LogisticParams');

/** The options of `OnlineLogisticRegression` (docs/ml.md). */
export interface OnlineLogisticRegressionOptions {
  /** How many features every example has. */
  readonly features: number;
  /** Initial learning rate (default 0.1). */
  readonly learningRate?: number;
  /** How fast the rate decays with examples seen (default 0.001). */
  readonly decay?: number;
  /** L2 regularisation strength (default 0). */
  readonly l2?: number;
}

/** The logistic function 1 / (1 + e^-z), computed without overflow for large |z|. */
export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Online logistic regression (see the module's header). */
export class OnlineLogisticRegression implements OnlineModel<LogisticParams> {
  /** The state's name. */
  readonly name = 'online-logistic-regression';
  /** Decodes parameters read from a checkpoint against their io-ts codec. */
  readonly serializer = codecSerializer(LogisticParamsCodec);
  private readonly features: number;
  private readonly learningRate: number;
  private readonly decay: number;
  private readonly l2: number;

  /** Checks the options, every problem listed in one RangeError. */
  constructor(options: OnlineLogisticRegressionOptions) {
    const problems: string[] = [];
    if (!Number.isInteger(options.features) || options.features < 1) problems.push(`features must be a positive integer, got ${options.features}`);
    const positive = (name: string, value: number | undefined) => {
      if (value !== undefined && !(value > 0 && Number.isFinite(value))) problems.push(`${name} must be a positive finite number, got ${value}`);
    };
    positive('learningRate', options.learningRate);
    if (options.decay !== undefined && !(options.decay >= 0 && Number.isFinite(options.decay))) problems.push(`decay must be a finite number of at least 0, got ${options.decay}`);
    if (options.l2 !== undefined && !(options.l2 >= 0 && Number.isFinite(options.l2))) problems.push(`l2 must be a finite number of at least 0, got ${options.l2}`);
    if (problems.length > 0) throw new RangeError(`OnlineLogisticRegression: ${problems.join('; ')}`);
    this.features = options.features;
    this.learningRate = options.learningRate ?? 0.1;
    this.decay = options.decay ?? 0.001;
    this.l2 = options.l2 ?? 0;
  }

  /** All weights and the bias zero: every score 0.5. */
  initial(): LogisticParams {
    return { weights: new Array<number>(this.features).fill(0), bias: 0, seen: 0 };
  }

  /** P(label = 1) for `features`. */
  predict(params: LogisticParams, features: readonly number[]): number {
    this.check(features);
    let z = params.bias;
    for (let i = 0; i < features.length; i++) z += params.weights[i] * features[i];
    return sigmoid(z);
  }

  /** One SGD step on the log loss (plus L2) at the decayed rate. */
  learn(params: LogisticParams, features: readonly number[], label: number): LogisticParams {
    if (label !== 0 && label !== 1) throw new RangeError(`${this.name}: a label is 0 or 1, got ${String(label)}`);
    const error = this.predict(params, features) - label;
    const rate = this.learningRate / (1 + this.decay * params.seen);
    const weights = params.weights.map((w, i) => w - rate * (error * features[i] + this.l2 * w));
    return { weights, bias: params.bias - rate * error, seen: params.seen + 1 };
  }

  private check(features: readonly number[]): void {
    if (features.length !== this.features) throw new RangeError(`${this.name}: expected ${this.features} features, got ${features.length}`);
    for (const x of features) if (!Number.isFinite(x)) throw new RangeError(`${this.name}: a feature is not a finite number: ${String(x)}`);
  }
}
