/**
 * A job run in a child process by the process-kill spec: the counting job from a generator
 * into an exactly-once FileSink, with checkpoints in a folder. Killed with SIGKILL and
 * started again with the same job id, it resumes from its last completed checkpoint.
 * Prints `checkpoint <n>` as checkpoints complete and `finished` at the end.
 *
 *   node killableJob.js <dir> <records> <seed> <keys> <mode>
 */
import * as path from 'path';
import { CheckpointingMode, FileSink, StreamEnvironment } from '../../src';
import { countingJob, keyOf } from './countingJob';
import { reportCheckpointsUntilDone } from './killAndRestart';

async function main(): Promise<void> {
  const [dir, recordsText, seedText, keysText, mode] = process.argv.slice(2);
  const records = Number(recordsText);
  const seed = Number(seedText);
  const keys = Number(keysText);
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 128, jobId: 'killable', checkpointStorage: `file:${path.join(dir, 'checkpoints')}` });
  env.enableCheckpointing(20, mode as CheckpointingMode, { retainedCheckpoints: 2 });
  const events = env.fromGenerator(records, (id) => ({ id, key: keyOf(id, seed, keys) })).setParallelism(1);
  countingJob(events).sinkTo(new FileSink(path.join(dir, 'out')));
  const job = env.execute('killable');
  await reportCheckpointsUntilDone(job);
  process.stdout.write('finished\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
