/**
 * An application in a process of its own, with Node's default handling of unhandled
 * rejections (which ends the process): it starts a job that fails at once, goes on with its
 * own work until the job has failed, then awaits the handle; and it starts a second failing
 * job whose handle it never awaits. It prints what it saw and exits 0 if it was not killed.
 *
 *   node failingJobProcess.js
 */
import { StreamEnvironment } from '../../src';
import { RecordingSink } from './RecordingSink';

function failingJob(name: string) {
  const env = StreamEnvironment.create({ parallelism: 1 });
  env
    .fromCollection([1, 2, 3])
    .map((n): number => {
      throw new Error(`thrown in a child`);
    })
    .name('thrower')
    .sinkTo(new RecordingSink<number>());
  return env.execute(name);
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function main(): Promise<void> {
  const awaitedLate = failingJob('awaited late');
  const neverAwaited = failingJob('never awaited');
  await until(() => awaitedLate.status === 'failed' && neverAwaited.status === 'failed');
  // A few turns of the loop, in which Node would report an unhandled rejection and exit.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  process.stdout.write('job failed, the application goes on\n');
  try {
    await awaitedLate;
  } catch (e) {
    process.stdout.write(`rejected late: ${(e as Error).message}\n`);
  }
}

void main();
