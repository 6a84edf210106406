import { expect } from 'chai';
import * as fc from 'fast-check';
import { CollectSink, StreamEnvironment } from '../../src';
import { OnlineLearner, OnlineLogisticRegression, Scored, sigmoid } from '../../src/ml';
import { seededRandom } from '../support/killAndRestart';

/** A labelled example of a known logistic model; test examples carry no label. */
interface Example {
  readonly id: number;
  readonly x: readonly number[];
  readonly y: number | undefined;
  /** The label drawn, kept for test examples too. */
  readonly truth: number;
}

const TRUE_WEIGHTS = [1.5, -2, 0.5, 1];
const TRUE_BIAS = -0.5;

function examples(train: number, test: number, seed: number): Example[] {
  const next = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return Array.from({ length: train + test }, (_, id) => {
    const x = TRUE_WEIGHTS.map(() => gaussian());
    const truth = next() < sigmoid(TRUE_BIAS + x.reduce((z, xi, i) => z + xi * TRUE_WEIGHTS[i], 0)) ? 1 : 0;
    return { id, x, y: id < train ? truth : undefined, truth };
  });
}

/** The batch counterpart: logistic regression fitted to all training examples at once by Newton's method (IRLS). */
function batchFit(train: readonly Example[]): { weights: number[]; bias: number } {
  const d = TRUE_WEIGHTS.length + 1;
  let beta = new Array<number>(d).fill(0);
  for (let iteration = 0; iteration < 25; iteration++) {
    const gradient = new Array<number>(d).fill(0);
    const hessian = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (const e of train) {
      const row = [1, ...e.x];
      const p = sigmoid(row.reduce((z, v, i) => z + v * beta[i], 0));
      for (let i = 0; i < d; i++) {
        gradient[i] += (e.y! - p) * row[i];
        for (let j = 0; j < d; j++) hessian[i][j] += p * (1 - p) * row[i] * row[j];
      }
    }
    beta = beta.map((b, i) => b + solve(hessian, gradient)[i]);
  }
  return { bias: beta[0], weights: beta.slice(1) };
}

/** Solves a·x = b by Gaussian elimination with partial pivoting. */
function solve(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    const pivot = m.reduce((best, row, i) => (i >= col && Math.abs(row[col]) > Math.abs(m[best][col]) ? i : best), col);
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let i = col + 1; i < n; i++) {
      const f = m[i][col] / m[col][col];
      for (let j = col; j <= n; j++) m[i][j] -= f * m[col][j];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let rest = m[i][n];
    for (let j = i + 1; j < n; j++) rest -= m[i][j] * x[j];
    x[i] = rest / m[i][i];
  }
  return x;
}

const accuracy = (scores: readonly number[], truths: readonly number[]) => scores.filter((s, i) => (s >= 0.5 ? 1 : 0) === truths[i]).length / scores.length;

const model = () => new OnlineLogisticRegression({ features: TRUE_WEIGHTS.length, learningRate: 0.05, decay: 0.0005 });

/** The stream through a job: keyed on a constant, so one model learns from everything, at parallelism 2. */
async function learnInAJob(input: readonly Example[], crashAt?: number): Promise<{ scored: Scored<Example>[]; restarts: number }> {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 64 });
  env.enableCheckpointing(10, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 10 });
  const sink = new CollectSink<Scored<Example>>();
  let job: { crashTask(vertex: string, index: number): void } | undefined;
  let crashed = false;
  env
    .fromGenerator(input.length, (i) => {
      if (i === crashAt && !crashed) {
        crashed = true;
        job!.crashTask('Keyed Process', 0);
        job!.crashTask('Keyed Process', 1);
      }
      return input[i];
    })
    .setParallelism(1)
    .uid('examples')
    .keyBy(() => 'model')
    .process(new OnlineLearner(model(), { features: (e: Example) => e.x, label: (e: Example) => e.y }))
    .uid('online-model')
    .sinkTo(sink);
  const handle = env.execute('online learning');
  job = handle;
  const result = await handle;
  return { scored: [...sink.records()].sort((a, b) => a.record.id - b.record.id), restarts: result.restarts };
}

describe('ml/OnlineLearner with OnlineLogisticRegression', function () {
  this.timeout(120_000);
  const TRAIN = 20_000;
  const TEST = 5_000;
  const data = examples(TRAIN, TEST, 7);
  const test = data.slice(TRAIN);

  it('learns in one pass, in a job, to within 0.01 of the accuracy of the batch fit on the same data, its scores within 0.05 of the fit’s on average', async () => {
    const { scored } = await learnInAJob(data);
    expect(scored.map((s) => s.record.id)).to.deep.equal(data.map((e) => e.id));
    expect(scored.filter((s) => s.learnt)).to.have.length(TRAIN);

    const batch = batchFit(data.slice(0, TRAIN));
    const batchScores = test.map((e) => sigmoid(batch.bias + e.x.reduce((z, xi, i) => z + xi * batch.weights[i], 0)));
    const truths = test.map((e) => e.truth);
    const online = accuracy(scored.slice(TRAIN).map((s) => s.score), truths);
    const offline = accuracy(batchScores, truths);
    // Stated tolerance: one pass of SGD comes within 0.01 of the batch optimum's accuracy on held-out data.
    expect(online).to.be.within(offline - 0.01, 1);
    expect(offline).to.be.greaterThan(0.75);
    // The scores themselves: the online model's probabilities stay within 0.05 of the batch fit's on average.
    const meanGap = scored.slice(TRAIN).reduce((s, x, i) => s + Math.abs(x.score - batchScores[i]), 0) / TEST;
    expect(meanGap).to.be.lessThan(0.05);
    if (process.env.SLUICE_ML_FIGURES) console.log({ online, offline, meanGap });
  });

  it('scores each labelled record before learning from it (prequential): the first record scores 0.5 under the initial model', async () => {
    const { scored } = await learnInAJob(data.slice(0, 10));
    expect(scored[0].score).to.equal(0.5);
    expect(scored[1].score).not.to.equal(0.5);
  });

  it('recovers from a crash of the model task to exactly the scores of an uninterrupted run (its parameters are checkpointed keyed state)', async () => {
    const input = data.slice(0, 6_000);
    const clean = await learnInAJob(input);
    const crashed = await learnInAJob(input, 3_000);
    expect(crashed.restarts).to.be.greaterThan(0);
    expect(crashed.scored.map((s) => [s.record.id, s.score])).to.deep.equal(clean.scored.map((s) => [s.record.id, s.score]));
  });

  it('learns without changing the parameters it was given, and its parameters survive their serializer exactly', () => {
    const m = model();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 4, maxLength: 4 }), fc.constantFrom(0, 1)), { maxLength: 30 }), (steps) => {
        let params = m.initial();
        for (const [x, y] of steps) {
          const before = JSON.stringify(params);
          const next = m.learn(params, x, y);
          expect(JSON.stringify(params)).to.equal(before);
          params = next;
        }
        const decoded = m.serializer.deserialize(m.serializer.serialize(params));
        expect(decoded).to.deep.equal({ _tag: 'Right', right: params });
      }),
    );
  });

  it('refuses loudly: bad options listed together, a wrong number of features, a non-finite feature, a label other than 0 or 1', () => {
    expect(() => new OnlineLogisticRegression({ features: 0, learningRate: -1, l2: NaN })).to.throw(
      RangeError,
      'OnlineLogisticRegression: features must be a positive integer, got 0; learningRate must be a positive finite number, got -1; l2 must be a finite number of at least 0, got NaN',
    );
    const m = model();
    expect(() => m.predict(m.initial(), [1, 2, 3])).to.throw(RangeError, 'online-logistic-regression: expected 4 features, got 3');
    expect(() => m.predict(m.initial(), [1, 2, NaN, 0])).to.throw(RangeError, 'online-logistic-regression: a feature is not a finite number: NaN');
    expect(() => m.learn(m.initial(), [1, 2, 3, 4], 2)).to.throw(RangeError, 'online-logistic-regression: a label is 0 or 1, got 2');
  });

  it('a record with features the model cannot take fails the job, naming the operator and the reason', async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    env
      .fromCollection([{ x: [1, 2, 3, 4], y: 1 }, { x: [1, 2], y: 0 }])
      .keyBy(() => 'model')
      .process(new OnlineLearner(model(), { features: (e) => e.x, label: (e) => e.y }))
      .sinkTo(new CollectSink());
    const error = await env.execute('bad features').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/Keyed Process/).and.to.match(/expected 4 features, got 2/);
  });
});
