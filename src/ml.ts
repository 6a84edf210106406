/**
 * Online learning, `import { … } from 'sluice/ml'`: models that learn from a stream and score
 * it in the same pass, their parameters in checkpointed keyed state (docs/ml.md).
 *
 * @packageDocumentation
 * @module sluice/ml
 */
export { OnlineModel } from './ml/OnlineModel';
export { OnlineLogisticRegression, OnlineLogisticRegressionOptions, LogisticParams, sigmoid } from './ml/OnlineLogisticRegression';
export { OnlineLearner, OnlineLearnerOptions, Scored } from './ml/OnlineLearner';
