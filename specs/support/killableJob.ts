/**
 * A job run in a child process by the process-kill specs: the counting job from a generator
 * into an exactly-once FileSink, with checkpoints in a folder, or with keyed state and
 * checkpoints in Redis when a Redis URL is given. Killed with SIGKILL and started again with
 * the same job id, it resumes from its last completed checkpoint. Prints `started`,
 * `checkpoint <n>` as checkpoints complete and `finished` at the end.
 *
 *   node killableJob.js <dir> <records> <seed> <keys> <mode> [<redis url> <key prefix> <job id>]
 */
import * as path from 'path';
// Modules, not the package index: this runs once per kill cycle, and the index costs time.
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { CheckpointingMode } from '../../src/checkpoint/CheckpointTypes';
import { FileSink } from '../../src/connectors/FileSink';
import { countingJob, keyOf } from './countingJob';
import { reportCheckpointsUntilDone } from './killAndRestart';

async function main(): Promise<void> {
  const [dir, recordsText, seedText, keysText, mode, redisUrl, prefix, jobId] = process.argv.slice(2);
  const records = Number(recordsText);
  const seed = Number(seedText);
  const keys = Number(keysText);
  const storage =
    redisUrl === undefined
      ? { jobId: 'killable', checkpointStorage: `file:${path.join(dir, 'checkpoints')}` }
      : {
          jobId,
          checkpointStorage: `${redisUrl}/0?prefix=${prefix}`,
          // A cache smaller than the key space: state is evicted to Redis between checkpoints.
          stateBackend: { type: 'redis' as const, url: redisUrl, keyPrefix: prefix, cacheSize: 16 },
        };
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 128, ...storage });
  env.enableCheckpointing(20, mode as CheckpointingMode, { retainedCheckpoints: 2 });
  // Only the kill stops a run: any other failure ends it at once, so a resume that cannot succeed shows.
  env.setRestartStrategy({ type: 'none' });
  const events = env.fromGenerator(records, (id) => ({ id, key: keyOf(id, seed, keys) })).setParallelism(1);
  countingJob(events).sinkTo(new FileSink(path.join(dir, 'out')));
  const job = env.execute(storage.jobId);
  await reportCheckpointsUntilDone(job);
  process.stdout.write('finished\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
