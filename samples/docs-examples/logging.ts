/**
 * docs/logging.md: Sluice's log lines in a pino logger of the application's, a poison record
 * seen in the log and in job.failures(), readable lines for a terminal.
 * Run: node build/samples/docs-examples/logging.js
 */
import * as assert from 'node:assert/strict';
import pino from 'pino';
import { JobFailure, StreamEnvironment } from '../../src';

interface Order {
  readonly id: number;
  readonly amount: number | string;
}

const orders: Order[] = [
  { id: 1, amount: 10 },
  { id: 2, amount: 'ten' }, // the poison record
  { id: 3, amount: 30 },
];

/** The application's own logger: here its lines are kept in an array, to be checked. */
function applicationLogger() {
  const lines: Array<{ level: number; msg: string; [field: string]: unknown }> = [];
  const logger = pino({ level: 'info', base: { service: 'orders' } }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function poisonRecord(): Promise<void> {
  const { logger, lines } = applicationLogger();
  const env = StreamEnvironment.create({ parallelism: 1, logging: logger });
  env.enableCheckpointing(1000);
  env.setRestartStrategy({ type: 'fixed-delay', attempts: 2, delayMs: 0 });
  env
    .fromCollection(orders)
    .uid('orders') // a stateful operator without a uid would add a warning to the story below
    .map((o) => {
      if (typeof o.amount !== 'number') throw new Error(`amount of order ${o.id} is not a number`);
      return o.amount;
    })
    .name('parse amount')
    .sinkTo({ name: 'Discard', createWriter: () => ({ write() {} }) });

  const job = env.execute('orders');
  const error = await job.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  assert.ok(error, 'the job fails: the record fails on every restart');

  // What failed, where, on which record, and what the job did about it.
  const failures: readonly JobFailure[] = job.failures();
  for (const f of failures) console.log(`${new Date(f.time).toISOString()} ${f.operator}[${f.instance}] on ${f.record}: ${f.action}`);
  assert.deepEqual(
    failures.map((f) => [f.operator, f.instance, f.record, f.action]),
    [
      ['parse amount', 0, '{"id":2,"amount":"ten"}', 'restartJob'],
      ['parse amount', 0, '{"id":2,"amount":"ten"}', 'restartJob'],
      ['parse amount', 0, '{"id":2,"amount":"ten"}', 'failJob'],
    ],
  );
  assert.equal((failures[0].error.cause as Error).message, 'amount of order 2 is not a number');

  // The same story in the application's log: every line has the job's name and id (and the
  // application's own base fields); a task's lines have the task's ids too.
  for (const line of lines) {
    assert.equal(line.job, 'orders');
    assert.equal(line.service, 'orders');
  }
  const story = lines.map((l) => `${pino.levels.labels[l.level]}: ${l.msg}`);
  story.forEach((l) => console.log(l));
  assert.deepEqual(
    story.map((l) => l.replace(/: user function .*$/, '')),
    [
      'info: job started without a checkpoint (1 tasks)',
      'error: task failed while running',
      "warn: operator 'parse amount' (instance 0) failed, the job restarts (restart 1, in 0 ms)",
      'info: job restarted without a checkpoint (restart 1)',
      'error: task failed while running',
      "warn: operator 'parse amount' (instance 0) failed, the job restarts (restart 2, in 0 ms)",
      'info: job restarted without a checkpoint (restart 2)',
      'error: task failed while running',
      "error: operator 'parse amount' (instance 0) failed, the job fails (fixed-delay restart strategy exhausted its 2 attempts)",
      'error: job failed',
    ],
  );
  const taskLine = lines.find((l) => l.msg.startsWith('task failed'))!;
  assert.equal(taskLine.operator, 'Collection Source -> parse amount -> Discard'); // the task's chain
  assert.equal(taskLine.index, 0);
  assert.equal(taskLine.record, '{"id":2,"amount":"ten"}');
}

/** For a terminal: one readable line per entry on stderr, only warnings and worse. */
async function readableWarnings(): Promise<void> {
  const env = StreamEnvironment.create({ logging: { level: 'warn', pretty: true } });
  env.fromCollection(orders).map((o) => o.id).sinkTo({ name: 'Discard', createWriter: () => ({ write() {} }) });
  const result = await env.execute('quiet unless something goes wrong');
  assert.equal(result.status, 'finished');
}

export async function main(): Promise<void> {
  await poisonRecord();
  await readableWarnings();
}

if (require.main === module) {
  main().then(
    () => console.log('logging examples: ok'),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
