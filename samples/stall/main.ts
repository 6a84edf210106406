/**
 * Runs the stalled orders job with its dashboard: open the address it prints, watch the
 * source turn red (back-pressured) and the stall diagnosis name `slow-enrich` and the hot
 * customer. Stop it with Ctrl-C or the dashboard's Cancel button.
 *
 *   make build && node build/samples/stall/main.js          # REST_PORT=8081 by default
 */
import { startStallJob } from './stallJob';

async function main(): Promise<void> {
  const port = Number(process.env.REST_PORT ?? 8081);
  const { job, sink } = startStallJob({ rest: { port }, logging: { pretty: true } });
  const address = await job.rest!;
  console.log(`dashboard: ${address.url}   metrics: ${address.url}/metrics`);
  const progress = setInterval(() => {
    void job.stallDiagnosis().then((d) => {
      const root = d.backPressured && d.root ? `root ${d.root.name}, hottest key ${d.hotKeys[0]?.key ?? '-'}` : 'not back-pressured';
      process.stdout.write(`\r${sink.count.toLocaleString('en-US')} orders enriched; ${root}      `);
    }, () => undefined);
  }, 1000);
  process.once('SIGINT', () => void job.cancel());
  const result = await job;
  clearInterval(progress);
  console.log(`\njob ${result.status} after ${result.durationMs} ms`);
}

void main();
