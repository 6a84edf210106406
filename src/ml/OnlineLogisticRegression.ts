/**
 * Logistic regression learnt online by stochastic gradient descent with L2 regularisation and
 * a learning rate decaying as rate / (1 + decay·n): the model Flink ML calls
 * OnlineLogisticRegression, in its plainest form. Labels are 0 or 1; a score is P(label = 1).
 */
import * as t from 'io-ts';
import { codecSerializer } from '../state/Serializer';
import { OnlineModel } from './OnlineModel';

export interface LogisticParams {
  readonly weights: readonly number[];
  readonly bias: number;
  /** Examples learnt so far (the learning rate's clock). */
  readonly seen: number;
}

const LogisticParamsCodec = t.type({ weights: t.readonlyArray(t.number), bias: t.number, seen: t.number }, 'LogisticParams');

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

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export class OnlineLogisticRegression implements OnlineModel<LogisticParams> {
  readonly name = 'online-logistic-regression';
  readonly serializer = codecSerializer(LogisticParamsCodec);
  private readonly features: number;
  private readonly learningRate: number;
  private readonly decay: number;
  private readonly l2: number;

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

  initial(): LogisticParams {
    return { weights: new Array<number>(this.features).fill(0), bias: 0, seen: 0 };
  }

  predict(params: LogisticParams, features: readonly number[]): number {
    this.check(features);
    let z = params.bias;
    for (let i = 0; i < features.length; i++) z += params.weights[i] * features[i];
    return sigmoid(z);
  }

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
