/**
 * The keyed count as a job module (defineJob), so that task managers on worker threads can
 * build it: the taskManagers rows run it on 2 task managers against 1 thread. Modules, not the
 * package index: every task manager imports this module, and the index costs time.
 */
import { defineJob } from '../../src/api/defineJob';
import { CountPerKey } from './CountPerKey';
import { DiscardingSink } from './DiscardingSink';
import { accountOf, trade } from './workloads';

export const keyedCountJob = defineJob(__filename, (env, p: { readonly events: number }) => {
  const sink = new DiscardingSink();
  env.fromGenerator(p.events, trade).keyBy(accountOf).process(new CountPerKey()).uid('count-per-key').sinkTo(sink);
  return sink;
});
