/**
 * docs/task-managers.md: a job on task managers (worker threads). The job is defined in this
 * module with defineJob; every task manager imports the module and builds it, so the code
 * that runs the job (main) runs only when this file is the program, not when it is imported.
 * Run: node build/samples/docs-examples/taskManagers.js
 */
import * as assert from 'node:assert/strict';
import { CollectSink, StreamEnvironment, defineJob } from '../../src';

interface Click {
  readonly user: string;
  readonly page: string;
}

// Runs in the application's thread and in every task manager: plain data in, a graph out.
export const clicksPerUser = defineJob(__filename, (env, p: { readonly clicks: number; readonly users: number }) => {
  const counts = new CollectSink<{ user: string; clicks: number }>();
  env
    .fromGenerator(p.clicks, (i): Click => ({ user: `user-${i % p.users}`, page: `/page/${i % 7}` }))
    .uid('clicks')
    .map((c) => ({ user: c.user, clicks: 1 }))
    .keyBy((c) => c.user)
    .sum('clicks')
    .uid('clicks-per-user')
    .sinkTo(counts)
    .uid('counts');
  // What build returns in the application's thread is job.built: here the sink the task managers send their results to.
  return counts;
});

export async function main(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 2, taskManagers: 2 });
  const job = env.executeJob(clicksPerUser, { clicks: 10_000, users: 100 }, 'clicks per user');
  const result = await job;
  // The running counts came back from both task managers: the last one per user is its total.
  const totals = new Map(job.built.records().map((r) => [r.user, r.clicks]));
  assert.equal(totals.size, 100);
  assert.ok([...totals.values()].every((n) => n === 100));
  // Counters are summed over the task managers.
  assert.equal(result.counters.operators['Generator Source'].recordsOut, 10_000);
  // What each task manager's thread used: its CPU time (Linux) and its heap's peak.
  assert.deepEqual(result.taskManagers?.map((tm) => tm.index), [0, 1]);
  for (const tm of result.taskManagers ?? []) assert.ok(tm.peakHeapMb > 0 && tm.peakExternalMb >= 0 && (tm.cpuSeconds === null || tm.cpuSeconds > 0));
  console.log(`${totals.size} users, ${result.counters.operators['Generator Source'].recordsOut} clicks counted on 2 task managers`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
