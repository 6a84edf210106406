import { expect } from 'chai';
import { readFileSync } from 'fs';
import * as path from 'path';
import { CollectSink, StreamEnvironment } from '../../src';
import { EXIT } from '../../src/cli/exitCodes';
import { Counted, countingJob, keyOf } from '../support/countingJob';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';
import { CLI, sluice as sluiceRun } from '../support/cliProcess';

const sluice = (...args: string[]) => sluiceRun(args);

const RECORDS = 2_000;
const KEYS = 13;
const SEED = 9;

describe('cli: sluice state get, run as a process against the Redis state of a finished job', function () {
  this.timeout(60_000);
  let url: string;
  let prefix: string;
  const jobId = `cli-state-${process.pid}`;
  const expected = new Map<number, number>();
  for (let i = 0; i < RECORDS; i++) expected.set(keyOf(i, SEED, KEYS), (expected.get(keyOf(i, SEED, KEYS)) ?? 0) + 1);
  const where = () => ['--redis', url, '--prefix', prefix, '--job', jobId, '--operator', 'count-per-key', '--state', 'count'];

  before(async function () {
    url = await redisUrl(this);
    prefix = uniquePrefix('cli');
    const env = StreamEnvironment.create({ parallelism: 2, jobId, stateBackend: { type: 'redis', url, keyPrefix: prefix } });
    // The final checkpoint flushes the state to Redis, where the command reads it.
    env.enableCheckpointing(3_600_000);
    countingJob(env.fromGenerator(RECORDS, (id) => ({ id, key: keyOf(id, SEED, KEYS) })).setParallelism(1)).sinkTo(new CollectSink<Counted>());
    expect((await env.execute('cli state')).status).to.equal('finished');
  });
  after(() => dropPrefix(url, prefix));

  it("is the package's bin, a Node script", () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(path.resolve(__dirname, '..', '..', '..', pkg.bin.sluice)).to.equal(CLI);
    expect(readFileSync(CLI, 'utf8').split('\n')[0]).to.equal('#!/usr/bin/env node');
  });

  it("prints a key's value and exits 0", async () => {
    const run = await sluice('state', 'get', ...where(), '--key', '3', '--key-type', 'number');
    expect(run).to.deep.equal({ code: EXIT.ok, stdout: `${expected.get(3)}\n`, stderr: '' });
  });

  it('prints a JSON document with --json', async () => {
    const run = await sluice('state', 'get', ...where(), '--key', '5', '--key-type', 'number', '--json');
    expect(run.code).to.equal(EXIT.ok);
    expect(JSON.parse(run.stdout)).to.deep.equal({ job: jobId, operator: 'count-per-key', state: 'count', key: 5, found: true, value: expected.get(5) });
  });

  it('exits 1 for a key without a value, saying which', async () => {
    const run = await sluice('state', 'get', ...where(), '--key', '3');
    expect(run.code).to.equal(EXIT.notFound);
    expect(run.stderr).to.equal(`sluice: key "3" has no value in state 'count' of operator 'count-per-key' of job '${jobId}' (under prefix '${prefix}')\n`);
    const json = await sluice('state', 'get', ...where(), '--key', '3', '--json');
    expect(JSON.parse(json.stdout)).to.deep.include({ key: '3', found: false });
  });

  it('exits 2 for an invalid command line', async () => {
    const missing = await sluice('state', 'get', '--job', jobId);
    expect(missing.code).to.equal(EXIT.usage);
    expect(missing.stderr).to.match(/required option '--operator <uid>' not specified/);
    const badKey = await sluice('state', 'get', ...where(), '--key', 'three', '--key-type', 'number');
    expect(badKey).to.deep.include({ code: EXIT.usage, stderr: "sluice: --key 'three' is not a finite number (--key-type number)\n" });
    expect((await sluice('stat')).code).to.equal(EXIT.usage);
  });

  it('exits 3 when Redis cannot be reached', async () => {
    const run = await sluice('state', 'get', ...where().slice(2), '--redis', 'redis://127.0.0.1:1', '--timeout', '300', '--key', '3', '--key-type', 'number');
    expect(run.code).to.equal(EXIT.unavailable);
    expect(run.stderr).to.match(/^sluice: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: no answer within 300 ms/);
  });

  it('exits 4 when the entry is not of the kind given', async () => {
    const run = await sluice('state', 'get', ...where(), '--key', '3', '--key-type', 'number', '--kind', 'list');
    expect(run.code).to.equal(EXIT.unreadable);
    expect(run.stderr).to.match(/^sluice: cannot read it as list state: /);
  });

  it('exits 0 for --help', async () => {
    const run = await sluice('state', 'get', '--help');
    expect(run.code).to.equal(EXIT.ok);
    expect(run.stdout).to.match(/--key-type <type>/);
  });
});
