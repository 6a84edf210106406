/**
 * The counting job with its keyed state and checkpoints in Redis, in a child process killed
 * with SIGKILL and started again. This file is also the child: with SLUICE_REDIS_KILL_CHILD=1
 * it runs the job (`node <this file> <url> <prefix> <dir> <records> <seed> <keys>`).
 */
import { expect } from 'chai';
import { isRight } from 'fp-ts/Either';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileSink, Serializers, StreamEnvironment, ValueStateDescriptor } from '../../src';
import { RedisStateInspector } from '../../src/redis';
import { audit, countingJob, keyOf } from '../support/countingJob';
import { committedParts, reportCheckpointsUntilDone, runKilledUntilFinished } from '../support/killAndRestart';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';

const RECORDS = 150_000;
const KEYS = 50;
const SEED = 42;
const JOB_ID = 'killable-redis';

async function child(): Promise<void> {
  const [url, prefix, dir, recordsText, seedText, keysText] = process.argv.slice(2);
  const env = StreamEnvironment.create({
    parallelism: 2,
    batchSize: 128,
    jobId: JOB_ID,
    checkpointStorage: `${url}/0?prefix=${prefix}`,
    // A cache smaller than the key space: state is evicted to Redis between checkpoints.
    stateBackend: { type: 'redis', url, keyPrefix: prefix, cacheSize: 16 },
  });
  env.enableCheckpointing(20, 'exactly-once', { retainedCheckpoints: 2 });
  const events = env.fromGenerator(Number(recordsText), (id) => ({ id, key: keyOf(id, Number(seedText), Number(keysText)) })).setParallelism(1);
  countingJob(events).sinkTo(new FileSink(path.join(dir, 'out')));
  const job = env.execute(JOB_ID);
  const result = await reportCheckpointsUntilDone(job);
  process.stdout.write(result.status === 'finished' ? 'finished\n' : `ended ${result.status}\n`);
}

if (process.env.SLUICE_REDIS_KILL_CHILD === '1') {
  child().catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
} else {
  describe('scenario: the process of a job with Redis state is killed with SIGKILL and started again (docs/internals.md, invariant 3)', function () {
    this.timeout(120_000);
    let url: string;
    let prefix: string;
    let dir: string;
    before(async function () {
      url = await redisUrl(this);
    });
    beforeEach(async () => {
      prefix = uniquePrefix('kill');
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-redis-kill-'));
    });
    afterEach(async () => {
      await fs.rm(dir, { recursive: true, force: true });
      await dropPrefix(url, prefix);
    });

    it('exactly-once: the committed output holds every input once, and the final state in Redis is exact', async () => {
      const kills = await runKilledUntilFinished(
        { args: [__filename, url, prefix, dir, String(RECORDS), String(SEED), String(KEYS)], env: { ...process.env, SLUICE_REDIS_KILL_CHILD: '1' } },
        [3, 17, 41, 70],
      );
      expect(kills, 'processes killed mid-job').to.be.at.least(2);
      expect(audit(await committedParts(path.join(dir, 'out')), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
      const expected = new Map<number, number>();
      for (let i = 0; i < RECORDS; i++) expected.set(keyOf(i, SEED, KEYS), (expected.get(keyOf(i, SEED, KEYS)) ?? 0) + 1);
      const entries = await new RedisStateInspector(url, prefix).entries(JOB_ID, 'count-per-key', new ValueStateDescriptor('count', Serializers.number));
      expect(isRight(entries) ? new Map(entries.right as Array<[number, number]>) : entries).to.deep.equal(expected);
    });
  });
}
