/**
 * A small plan with channels of every kind for wiring specs: two sources, keyed into two
 * instances of Double, keyed into one sink:
 *   0-0, 0-1 (Generator Source) -> 1-0, 1-1 (Double) -> 2-0 (Recording Sink)
 */
import { StreamEnvironment } from '../../src';
import { ExecutionPlan } from '../../src/graph/ExecutionPlan';
import { RecordingSink } from './RecordingSink';

export function twoKeyedStagesPlan(jobName: string): ExecutionPlan {
  const env = StreamEnvironment.create({ parallelism: 2 });
  env
    .fromGenerator(10, (i) => i)
    .keyBy((n) => n % 2)
    .map((n) => 2 * n)
    .name('Double')
    .keyBy((n) => n)
    .sinkTo(new RecordingSink())
    .setParallelism(1);
  return env.plan(jobName);
}
