import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JobHandle, RestAddress, StreamEnvironment } from '../../src';
import { MetricNames } from '../../src/metrics/metricNames';
import { CountingSink, HOT_CUSTOMER, startStallJob } from '../../samples/stall/stallJob';

const quiet = { logging: { level: 'silent' as const } };

interface Answer {
  readonly status: number;
  readonly body: any;
  readonly contentType: string;
}

async function call(address: RestAddress, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(address.url + path, init);
  const contentType = res.headers.get('content-type') ?? '';
  const text = await res.text();
  return { status: res.status, body: contentType.includes('json') ? JSON.parse(text) : text, contentType };
}

/** Resolves once nothing listens at the address any more (a connection is refused). */
async function waitUntilClosed(address: RestAddress): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const refused = await fetch(address.url + '/jobs').then(
      (res) => res.text().then(() => false),
      () => true,
    );
    if (refused) return;
    if (Date.now() > deadline) throw new Error(`the server at ${address.url} still answers 20 s after its job ended`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Asks until `accept` takes the answer (the metrics are sampled once every 100 ms here). */
async function callUntil(address: RestAddress, path: string, accept: (a: Answer) => boolean, what: string): Promise<Answer> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await call(address, path);
    if (accept(answer)) return answer;
    if (Date.now() > deadline) throw new Error(`waited 20 s for ${what}; last answer: ${JSON.stringify(answer.body).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('web/restApi', () => {
  let job: JobHandle;
  let address: RestAddress;
  let id: string;

  before(async () => {
    const env = StreamEnvironment.create({ rest: { port: 0 }, metrics: { intervalMs: 100 }, ...quiet });
    env.enableCheckpointing(100);
    const sink = new CountingSink<number>();
    // The record fails once: the job restarts from its last checkpoint and goes on.
    let failed = false;
    env
      .fromGenerator(Infinity, (i) => i)
      .name('numbers')
      .keyBy((n) => n % 7)
      .map((n) => {
        if (n === 5_000 && !failed) {
          failed = true;
          throw new Error('poison record 5000');
        }
        return n;
      })
      .name('checked')
      .sinkTo(sink)
      .name('sink');
    job = env.execute('rest spec');
    address = await job.rest!;
    id = job.jobId;
  });

  after(async () => {
    await job.cancel().catch(() => undefined);
  });

  it('listens on loopback, on the port the system picked', () => {
    expect(address.host).to.equal('127.0.0.1');
    expect(address.port).to.be.greaterThan(0);
    expect(address.url).to.equal(`http://127.0.0.1:${address.port}`);
  });

  it('GET /jobs lists the job with its id, name and status', async () => {
    const { status, body } = await call(address, '/jobs');
    expect(status).to.equal(200);
    expect(body).to.deep.equal({ jobs: [{ id, name: 'rest spec', status: job.status }] });
  });

  it('GET /jobs/:id shows the graph: vertices by name with rates, and the edges between them', async () => {
    const { status, body } = await callUntil(address, `/jobs/${id}`, (a) => a.body.vertices?.[1]?.recordsIn > 0, 'records at the second vertex');
    expect(status).to.equal(200);
    expect(body).to.include({ id, name: 'rest spec' });
    expect(body.vertices.map((v: { name: string }) => v.name)).to.deep.equal(['numbers', 'checked -> sink']);
    expect(body.vertices[1].operators).to.deep.equal(['checked', 'sink']);
    expect(body.edges).to.deep.equal([{ source: 0, target: 1, partitioning: 'hash' }]);
    expect(body.vertices[0]).to.have.property('backPressureLevel').that.is.oneOf(['ok', 'low', 'high']);
  });

  it('GET /jobs/:id/vertices/:vid shows every subtask with its metrics; a bad vertex id is a 404 with a JSON error', async () => {
    const { status, body } = await callUntil(address, `/jobs/${id}/vertices/1`, (a) => a.body.subtasks?.length === 1, 'the running subtask');
    expect(status).to.equal(200);
    expect(body.name).to.equal('checked -> sink');
    expect(body.subtasks).to.have.length(1);
    expect(body.subtasks[0]).to.include.keys('recordsIn', 'busyTimeMsPerSecond', 'backPressuredTimeMsPerSecond', 'idleTimeMsPerSecond', 'inputQueueUsage', 'watermarkLagMs', 'stateKeys', 'operators');
    for (const bad of ['7', 'x', '-1']) {
      const answer = await call(address, `/jobs/${id}/vertices/${bad}`);
      expect(answer.status).to.equal(404);
      expect(answer.contentType).to.include('application/json');
      expect(answer.body.errors[0]).to.include(`vertex '${bad}' not found`);
    }
  });

  it('GET /jobs/:id/checkpoints shows counts and the history with durations and sizes', async () => {
    const { body } = await callUntil(address, `/jobs/${id}/checkpoints`, (a) => a.body.counts?.completed > 0, 'a completed checkpoint');
    expect(body.enabled).to.equal(true);
    const latest = body.latestCompleted;
    expect(latest).to.include({ status: 'completed', final: false });
    expect(latest.sizeBytes).to.be.greaterThan(0);
    expect(latest.durationMs).to.be.at.least(0);
    expect(body.history[0].id).to.be.at.least(latest.id);
  });

  it('GET /jobs/:id/exceptions lists the job failures, newest first', async () => {
    const { body } = await callUntil(address, `/jobs/${id}/exceptions`, (a) => a.body.exceptions?.length > 0, 'the poison record failure');
    const [failure] = body.exceptions;
    expect(failure).to.include({ operator: 'checked', subtask: 0, record: '5000', action: 'restartJob' });
    expect(failure.message).to.include('poison record 5000');
    expect(failure.timestamp).to.be.a('number');
  });

  it('GET /jobs/:id/stall answers whether the job is back-pressured', async () => {
    const { status, body } = await call(address, `/jobs/${id}/stall`);
    expect(status).to.equal(200);
    expect(body).to.have.property('backPressured').that.is.a('boolean');
    expect(body.hotKeys).to.be.an('array');
  });

  it('GET /metrics serves the Prometheus text', async () => {
    const { status, body, contentType } = await callUntil(address, '/metrics', (a) => a.body.includes(MetricNames.taskRecordsIn + '{'), 'task metrics');
    expect(status).to.equal(200);
    expect(contentType).to.include('text/plain');
    expect(body).to.include(`# TYPE ${MetricNames.busyTimeMsPerSecond} gauge`).and.include(`${MetricNames.taskRecordsIn}{job="rest spec",vertex="numbers",subtask="0"}`);
  });

  it('POST /jobs/:id/savepoints takes a savepoint, followed at /jobs/:id/savepoints/:requestId; a bad body is a 400', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-rest-')), 'savepoint');
    const post = (p: string, body: unknown) => call(address, `/jobs/${id}/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const trigger = await post('savepoints', { 'target-directory': dir });
    expect(trigger.status).to.equal(202);
    const requestId = trigger.body['request-id'];
    const done = await callUntil(address, `/jobs/${id}/savepoints/${requestId}`, (a) => a.body.status?.id === 'COMPLETED', 'the savepoint');
    expect(done.body.operation).to.deep.equal({ location: path.resolve(dir) });
    expect(existsSync(path.join(dir, '_metadata'))).to.equal(true);
    expect((await call(address, `/jobs/${id}/savepoints/savepoint-0`)).status).to.equal(404);
    // The checkpoint history holds it among the checkpoints, counted apart.
    const { body: checkpoints } = await call(address, `/jobs/${id}/checkpoints`);
    expect(checkpoints.savepoints).to.deep.equal({ completed: 1, failed: 0 });
    expect(checkpoints.latestSavepoint).to.include({ kind: 'savepoint', status: 'completed', location: path.resolve(dir), final: false });
    expect(checkpoints.latestSavepoint.sizeBytes).to.be.greaterThan(0);
    expect(checkpoints.history.filter((c: any) => c.kind === 'savepoint')).to.deep.equal([checkpoints.latestSavepoint]);
    expect(checkpoints.latestCompleted.kind).to.equal('checkpoint');
    const bad = await post('savepoints', { target: 3 });
    expect(bad.status).to.equal(400);
    expect(bad.body.errors[0]).to.include('target-directory');
    const notJson = await call(address, `/jobs/${id}/stop`, { method: 'POST', body: '{' });
    expect(notJson.status).to.equal(400);
    expect(notJson.body.errors).to.deep.equal(['the request body is not JSON']);
    expect((await post('stop', { drain: true })).status).to.equal(400);
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('answers an unknown job, path or method with a JSON error: 404, 404, 405', async () => {
    const unknownJob = await call(address, '/jobs/no-such-job');
    expect(unknownJob.status).to.equal(404);
    expect(unknownJob.body.errors[0]).to.equal(`job 'no-such-job' not found (this process runs job '${id}')`);
    for (const path of ['/jobs/no-such-job/checkpoints', '/jobs/no-such-job/vertices/0']) expect((await call(address, path)).status).to.equal(404);
    const unknownPath = await call(address, `/jobs/${id}/nothing`);
    expect(unknownPath.status).to.equal(404);
    expect(unknownPath.body.errors[0]).to.include('no such resource');
    const wrongMethod = await call(address, `/jobs/${id}/checkpoints`, { method: 'DELETE' });
    expect(wrongMethod.status).to.equal(405);
    expect(wrongMethod.body.errors[0]).to.include('allowed: GET');
    const badMode = await call(address, `/jobs/${id}?mode=explode`, { method: 'PATCH' });
    expect(badMode.status).to.equal(400);
  });

  it('serves the dashboard page and its script', async () => {
    const page = await call(address, '/');
    expect(page.status).to.equal(200);
    expect(page.contentType).to.include('text/html');
    expect(page.body).to.include('<script src="/dashboard.js">');
    const script = await call(address, '/dashboard.js');
    expect(script.status).to.equal(200);
    expect(script.contentType).to.include('javascript');
  });

  it('PATCH /jobs/:id cancels the job, and the server closes once the job has ended', async () => {
    const { status, body } = await call(address, `/jobs/${id}?mode=cancel`, { method: 'PATCH' });
    expect(status).to.equal(202);
    expect(body).to.deep.equal({ status: 'cancelling' });
    expect((await job).status).to.equal('cancelled');
    let refused: unknown;
    const deadline = Date.now() + 5_000;
    while (refused === undefined && Date.now() < deadline) refused = await fetch(`${address.url}/jobs`).then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(Error);
  });
});

describe('web/restApi with a token', () => {
  it('refuses a request without the bearer token with 401, and answers one with it', async () => {
    const { job } = startStallJob({ rest: { port: 0, token: 'a-long-secret' }, ...quiet }, 1_000_000);
    try {
      const address = await job.rest!;
      const without = await call(address, '/jobs');
      expect(without.status).to.equal(401);
      expect(without.body.errors[0]).to.include('Authorization: Bearer');
      expect((await call(address, '/jobs', { headers: { authorization: 'Bearer wrong-secret!' } })).status).to.equal(401);
      const withToken = await call(address, '/jobs', { headers: { authorization: 'Bearer a-long-secret' } });
      expect(withToken.status).to.equal(200);
      expect((await call(address, '/')).status).to.equal(200);
    } finally {
      await job.cancel();
    }
  });

  it('POST /jobs/:id/stop stops the job at a savepoint', async () => {
    const { job } = startStallJob({ rest: { port: 0 }, ...quiet }, Infinity, 200);
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-rest-')), 'stop');
    try {
      const address = await job.rest!;
      const stop = await call(address, `/jobs/${job.jobId}/stop`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ targetDirectory: dir, drain: false }) });
      expect(stop.status).to.equal(202);
      expect((await job).status).to.equal('finished');
      expect(existsSync(path.join(dir, '_metadata'))).to.equal(true);
      // The outcome is known once the job has ended: the server stays to tell it, then closes.
      const outcome = await call(address, `/jobs/${job.jobId}/savepoints/${stop.body['request-id']}`);
      expect(outcome.body).to.deep.equal({ status: { id: 'COMPLETED' }, operation: { location: dir } });
      await waitUntilClosed(address);
    } finally {
      await job.cancel().catch(() => undefined);
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it('closes with its job when no savepoint outcome is unread', async () => {
    const { job } = startStallJob({ rest: { port: 0 }, ...quiet }, Infinity);
    const address = await job.rest!;
    await job.cancel();
    await waitUntilClosed(address);
  });

  it('GET /jobs/:id/checkpoints says whether checkpointing is on before the first checkpoint completes', async () => {
    for (const interval of [undefined, 3_600_000]) {
      const { job } = startStallJob({ rest: { port: 0 }, ...quiet }, Infinity, interval);
      try {
        const { body } = await call(await job.rest!, `/jobs/${job.jobId}/checkpoints`);
        expect(body).to.deep.include({ enabled: interval !== undefined, counts: { completed: 0, failed: 0 }, savepoints: { completed: 0, failed: 0 }, latestSavepoint: null, history: [] });
      } finally {
        await job.cancel();
      }
    }
  });

  it('GET /jobs/:id/stall names the task at the root of the back pressure and its hottest key, on the stalled orders sample', async () => {
    const { job } = startStallJob({ rest: { port: 0 }, metrics: { intervalMs: 250 }, ...quiet }, Infinity);
    try {
      const address = await job.rest!;
      const { body } = await callUntil(address, `/jobs/${job.jobId}/stall`, (a) => a.body.root !== undefined && a.body.hotKeys?.length > 0, 'a stall diagnosis with a root');
      expect(body.backPressured).to.equal(true);
      expect(body.root).to.include({ name: 'slow-enrich -> count', subtask: 0 });
      expect(body.backPressuredTasks.map((t: any) => t.name)).to.deep.equal(['orders -> timestamps']);
      expect(body.hotKeys[0].key).to.equal(HOT_CUSTOMER);
      // Every other order is the hot customer's.
      expect(body.hotKeys[0].count / body.sampledRecords).to.be.closeTo(0.5, 0.01);
    } finally {
      await job.cancel();
    }
  });

  it('refuses a non-loopback address unless allowNonLoopback is set', () => {
    expect(() => StreamEnvironment.create({ rest: { port: 0, host: '0.0.0.0' } })).to.throw(/not a loopback address.*allowNonLoopback: true/);
  });
});
