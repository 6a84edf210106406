/**
 * Task managers on worker threads (issue 17): the keyed count on 2 task managers against the
 * same job in one thread, in the same run. The table's ratio is the wall-clock gain; its
 * events per CPU-second line shows what the exchange between threads costs. Peak RSS is the
 * process's (threads share it): the difference between the rows is what the task managers add.
 */
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { Benchmark, SideOutcome } from './cases';
import { keyedCountJob } from './keyedCountJob';

async function keyedCount(events: number, taskManagers: number): Promise<SideOutcome> {
  const job = StreamEnvironment.create({ parallelism: 2, taskManagers }).executeJob(keyedCountJob, { events }, 'bench');
  await job;
  return job.built.total();
}

export const taskManagerBenchmarks: readonly Benchmark[] = [
  {
    id: 'keyed-taskmanagers',
    sluiceName: 'keyed count (ValueState), p=2, on 2 task managers (worker threads)',
    baselineName: 'the same job in one thread (taskManagers 1)',
    parallelism: 2,
    events: 10_000_000,
    // The aim on a 2-core machine.
    aim: 1.7,
    sluice: (events) => keyedCount(events, 2),
    baseline: (events) => keyedCount(events, 1),
  },
];
