/**
 * The counting job with its keyed state and checkpoints in Redis, in a child process
 * (support/killableJob.ts) killed with SIGKILL and started again.
 */
import { expect } from 'chai';
import { isRight } from 'fp-ts/Either';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Serializers, ValueStateDescriptor } from '../../src';
import { RedisStateInspector } from '../../src/redis';
import { audit, keyOf } from '../support/countingJob';
import { committedParts, runKillCycles, seededRandom } from '../support/killAndRestart';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';

/** Records of each job: small, so that a cycle is mostly the kill and the restore. */
const RECORDS = 20_000;
const KEYS = 50;
const SEED = 42;
const JOB = path.join(__dirname, '..', 'support', 'killableJob.js');

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

  it('exactly-once: 30 kill-and-restart cycles at random moments, every resume succeeds, the committed output holds every input once, and the final state in Redis is exact', async () => {
    const seed = Date.now() >>> 0;
    const jobId = (job: number) => `killable-redis-${job}`;
    const jobDir = (job: number) => path.join(dir, `job-${job}`);
    const expected = new Map<number, number>();
    for (let i = 0; i < RECORDS; i++) expected.set(keyOf(i, SEED, KEYS), (expected.get(keyOf(i, SEED, KEYS)) ?? 0) + 1);
    const cycles = await runKillCycles(
      (job) => ({
        command: { args: [JOB, jobDir(job), String(RECORDS), String(SEED), String(KEYS), 'exactly-once', url, prefix, jobId(job)] },
        checkpoints: { storage: `${url}/0?prefix=${prefix}`, jobId: jobId(job) },
      }),
      30,
      seededRandom(seed),
      async (job) => {
        const what = `job ${job} (kill moments of seed ${seed})`;
        expect(audit(await committedParts(path.join(jobDir(job), 'out')), RECORDS, SEED, KEYS), what).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
        const entries = await new RedisStateInspector(url, prefix).entries(jobId(job), 'count-per-key', new ValueStateDescriptor('count', Serializers.number));
        expect(isRight(entries) ? new Map(entries.right as Array<[number, number]>) : entries, what).to.deep.equal(expected);
      },
    );
    expect(cycles.kills).to.equal(30);
  });
});
