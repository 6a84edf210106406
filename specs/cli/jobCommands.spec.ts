import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { EXIT } from '../../src/cli/exitCodes';
import { CLI, RunningJob, Run, sluice, startRun, urlOf } from '../support/cliProcess';
import { SilentServer } from '../support/silentServer';

/** The job module of samples/click-counts, built. */
const JOB = path.join(__dirname, '..', '..', 'samples', 'click-counts', 'job.js');
const JOB_ID = 'click-counts';
const CLICKS = 40_000;
const USERS = 10;
const TOKEN = 'a-long-secret-token';
const RUNNING = /^job click-counts 'click counts' running; REST API and dashboard at http:\/\/127\.0\.0\.1:\d+$/;

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Rows as the command aligns them: each column as wide as its widest cell, two spaces apart. */
function aligned(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]) : cell)).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * Runs `text` between two runs of `json`, until both documents agree (the API answers from
 * its latest metrics sample): then the text was printed from that same document, and is
 * compared with what `expected` makes of it.
 */
async function printedFromOneDocument(json: () => Promise<Run>, text: () => Promise<Run>, expected: (document: any) => string, same: (a: any, b: any) => boolean): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const before = await json();
    const printed = await text();
    const after = await json();
    expect([before.code, printed.code, after.code]).to.deep.equal([EXIT.ok, EXIT.ok, EXIT.ok]);
    const [a, b] = [JSON.parse(before.stdout), JSON.parse(after.stdout)];
    if (!same(a, b)) continue;
    expect(printed).to.deep.equal({ code: EXIT.ok, stdout: expected(a), stderr: '' });
    return;
  }
  throw new Error('the API never answered the same document twice in a row');
}

describe('cli: sluice run, list, status, checkpoints, savepoint, stop and cancel, as processes against a running job', function () {
  this.timeout(180_000);
  let dir: string;
  let first: RunningJob;
  let url: string;
  const withToken = { SLUICE_TOKEN: TOKEN };
  const ask = (...args: string[]) => sluice([...args, '--url', url], withToken);

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-cli-'));
    // 200 clicks a second: the job runs 200 s unless stopped; a checkpoint every 300 ms. Its
    // metrics are sampled when first asked for and then kept, so that the figures printed
    // can be compared with the API's document.
    first = startRun(['--rest-port', '0', JOB, '--clicks', String(CLICKS), '--users', String(USERS), '--rate', '200', '--checkpoint-interval', '300', '--metrics-interval', '600000', '--token', TOKEN]);
    url = urlOf(await first.firstLine);
  });

  after(() => {
    first.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('run prints the job it started: id, name, and where its REST API and dashboard listen', async () => {
    expect(await first.firstLine).to.match(RUNNING);
  });

  it('list prints the job served there; with --json, the API\'s document', async () => {
    expect(await ask('list')).to.deep.equal({ code: EXIT.ok, stdout: 'ID            STATUS   NAME\nclick-counts  running  click counts\n', stderr: '' });
    const json = await ask('list', '--json');
    expect(JSON.parse(json.stdout)).to.deep.equal({ jobs: [{ id: JOB_ID, name: 'click counts', status: 'running' }] });
  });

  it('status prints the job and a line per vertex, as its document says', async () => {
    await printedFromOneDocument(
      () => ask('status', JOB_ID, '--json'),
      () => ask('status', JOB_ID),
      (d) =>
        `job click-counts 'click counts': running since ${new Date(d.startTime).toISOString()}, 0 restarts\n` +
        aligned([
          ['VERTEX', 'NAME', 'PARALLELISM', 'RECORDS IN', 'RECORDS OUT', 'BACK PRESSURE'],
          ...d.vertices.map((v: any) => [String(v.id), v.name, String(v.parallelism), String(v.recordsIn), String(v.recordsOut), v.backPressureLevel]),
        ]),
      (a, b) => a.sampledAt === b.sampledAt && a.status === b.status,
    );
    const { vertices } = JSON.parse((await ask('status', JOB_ID, '--json')).stdout);
    expect(vertices.map((v: any) => [v.name, v.parallelism])).to.deep.equal([
      ['clicks', 1],
      ['count-per-user -> final-counts', 2],
    ]);
  });

  it('an unknown job id exits 1, naming the URL and the job served', async () => {
    expect(await ask('status', 'nope')).to.deep.equal({ code: EXIT.notFound, stdout: '', stderr: `sluice: ${url}: job 'nope' not found (this process runs job 'click-counts')\n` });
    expect((await ask('cancel', 'nope')).code).to.equal(EXIT.notFound);
  });

  it('exits 5 without the token, or with another one', async () => {
    expect(await sluice(['list', '--url', url])).to.deep.equal({
      code: EXIT.unauthorized,
      stdout: '',
      stderr: `sluice: the job's REST API at ${url} refused the request: it needs a token: give --token or set SLUICE_TOKEN\n`,
    });
    expect(await sluice(['list', '--url', url, '--token', 'another-long-token'])).to.deep.equal({
      code: EXIT.unauthorized,
      stdout: '',
      stderr: `sluice: the job's REST API at ${url} refused the request: the token given is not accepted\n`,
    });
  });

  it('checkpoints prints the counts and the history, newest first, each row as its document says', async () => {
    // The history grows at every checkpoint (every 300 ms here): the text is checked against
    // the documents asked for just before and just after it.
    const asJson = async () => {
      const run = await ask('checkpoints', JOB_ID, '--json');
      expect(run.code).to.equal(EXIT.ok);
      return JSON.parse(run.stdout);
    };
    const before = await asJson();
    const printed = await ask('checkpoints', JOB_ID);
    const after = await asJson();
    expect([printed.code, printed.stderr]).to.deep.equal([EXIT.ok, '']);
    const [head, ...lines] = printed.stdout.trimEnd().split('\n');
    const counts = /^job click-counts: checkpoints (\d+) completed, (\d+) failed; savepoints (\d+) completed, (\d+) failed$/.exec(head);
    expect(counts, head).to.not.equal(null);
    const [completed, failed, savepoints] = counts!.slice(1).map(Number);
    expect(completed).to.be.within(before.counts.completed, after.counts.completed).and.above(0);
    expect(failed).to.be.within(before.counts.failed, after.counts.failed);
    expect(savepoints).to.equal(0);
    const ids = lines.slice(1).map((line) => Number(line.split(' ')[0]));
    const records = new Map<number, any>([...before.history, ...after.history].map((r: any) => [r.id, r]));
    // Every checkpoint from the newest printed down to the oldest printed, newest first, none left out.
    expect(ids).to.deep.equal([...records.keys()].filter((id) => id >= Math.min(...ids) && id <= Math.max(...ids)).sort((a, b) => b - a));
    expect(Math.max(...ids)).to.be.at.least(Math.max(...before.history.map((r: any) => r.id)));
    expect(printed.stdout).to.equal(
      `${head}\n` +
        aligned([
          ['ID', 'KIND', 'STATUS', 'TRIGGERED', 'DURATION', 'SIZE', 'ALIGNMENT', 'LOCATION', 'REASON'],
          ...ids.map((id) => records.get(id)).map((r: any) => [
            String(r.id),
            r.kind,
            r.status,
            new Date(r.triggeredAt).toISOString(),
            `${r.durationMs} ms`,
            r.sizeBytes === undefined ? '-' : `${r.sizeBytes} B`,
            `${r.alignmentMs} ms`,
            r.location ?? '',
            r.reason ?? '',
          ]),
        ]),
    );
  });

  it('savepoint writes a savepoint and prints its directory; into the same directory again, exits 6 saying why', async () => {
    const target = path.join(dir, 'backup');
    expect(await ask('savepoint', JOB_ID, target)).to.deep.equal({ code: EXIT.ok, stdout: `${target}\n`, stderr: '' });
    expect(existsSync(path.join(target, '_metadata'))).to.equal(true);
    const again = await ask('savepoint', JOB_ID, target, '--json');
    expect(again.code).to.equal(EXIT.failed);
    const at = escaped(target);
    expect(again.stderr).to.match(new RegExp(`^sluice: the savepoint of job click-counts failed: savepoint \\d+ to ${at} aborted: storeFailed \\('${at}' holds a savepoint already; give each savepoint a directory of its own\\)\\n$`));
  });

  it('checkpoints lists the savepoints among the checkpoints, newest first: the one written and the one refused, with their directory', async () => {
    const target = path.join(dir, 'backup');
    const { code, stdout } = await ask('checkpoints', JOB_ID, '--json');
    expect(code).to.equal(EXIT.ok);
    const c = JSON.parse(stdout);
    expect(c.savepoints).to.deep.equal({ completed: 1, failed: 1 });
    const [refused, written] = c.history.filter((r: any) => r.kind === 'savepoint');
    expect(written).to.include({ kind: 'savepoint', status: 'completed', location: target, final: false });
    expect(written.sizeBytes).to.be.greaterThan(0);
    expect(refused).to.include({ kind: 'savepoint', status: 'failed', location: target, final: false });
    expect(refused.reason).to.equal(`storeFailed: '${target}' holds a savepoint already; give each savepoint a directory of its own`);
    expect(refused.id).to.be.greaterThan(written.id);
    expect(c.latestSavepoint).to.deep.equal(written);
    expect(c.history.filter((r: any) => r.kind === 'checkpoint').length).to.be.greaterThan(0);
  });

  it('stop without --savepoint, or with a directory as a second argument, exits 2', async () => {
    expect(await ask('stop', JOB_ID)).to.deep.equal({ code: EXIT.usage, stdout: '', stderr: "error: required option '--savepoint <dir>' not specified\n" });
    expect(await ask('stop', JOB_ID, path.join(dir, 'a'), '--savepoint', path.join(dir, 'b'))).to.deep.equal({
      code: EXIT.usage,
      stdout: '',
      stderr: "error: too many arguments for 'stop'. Expected 1 argument but got 2.\n",
    });
  });

  it('stop writes a savepoint and ends the job; run then says it finished and exits 0', async () => {
    const target = path.join(dir, 'upgrade');
    expect(await ask('stop', JOB_ID, '--savepoint', target, '--json')).to.deep.equal({ code: EXIT.ok, stdout: `${JSON.stringify({ job: JOB_ID, savepoint: target })}\n`, stderr: '' });
    const run = await first.ended;
    // Stopped without --drain, event time did not end: no final counts were printed.
    expect(run.code).to.equal(EXIT.ok);
    expect(run.stdout).to.equal(`${await first.firstLine}\njob click-counts finished\n`);
  });

  it('exits 3 when the job has ended and its API closed, naming the URL', async () => {
    expect(await ask('list')).to.deep.equal({
      code: EXIT.unavailable,
      stdout: '',
      stderr: `sluice: cannot reach the job's REST API at ${url}: connection refused (is the job running, with its rest option set?)\n`,
    });
  });

  it('exits 3 after --timeout when the server does not answer', async () => {
    const silent = await SilentServer.start();
    try {
      const started = Date.now();
      const silentUrl = `http://127.0.0.1:${silent.port}`;
      expect(await sluice(['status', JOB_ID, '--url', silentUrl, '--timeout', '300'])).to.deep.equal({
        code: EXIT.unavailable,
        stdout: '',
        stderr: `sluice: cannot reach the job's REST API at ${silentUrl}: no answer within 300 ms\n`,
      });
      expect(Date.now() - started).to.be.below(10_000);
    } finally {
      await silent.close();
    }
  });

  it('run --parallelism 3 --from-savepoint starts the job from the savepoint stop wrote; every count ends exact', async () => {
    const second = startRun(['--parallelism', '3', '--from-savepoint', path.join(dir, 'upgrade'), '--rest-port', '0', JOB, '--clicks', String(CLICKS), '--users', String(USERS), '--rate', '5000']);
    try {
      const line = await second.firstLine;
      expect(line).to.match(RUNNING);
      // Asked at once, from here (a command's process may start after the job's 7 s are over on a loaded machine).
      const status = (await (await fetch(`${urlOf(line)}/jobs/${JOB_ID}`)).json()) as { vertices: Array<{ parallelism: number }> };
      expect(status.vertices.map((v) => v.parallelism)).to.deep.equal([1, 3]);
      const run = await second.ended;
      const counts = Array.from({ length: USERS }, (_, u) => `user-${u} ${CLICKS / USERS}\n`).join('');
      expect(run).to.deep.equal({ code: EXIT.ok, stdout: `${line}\n${counts}job click-counts finished\n`, stderr: '' });
    } finally {
      second.child.kill('SIGKILL');
    }
  });

  it('cancel ends a running job and waits for its end; run then says it was cancelled and exits 0', async () => {
    const third = startRun(['--rest-port', '0', JOB, '--rate', '100']);
    try {
      const line = await third.firstLine;
      expect(await sluice(['cancel', JOB_ID, '--url', urlOf(line)])).to.deep.equal({ code: EXIT.ok, stdout: 'job click-counts cancelled\n', stderr: '' });
      expect(await third.ended).to.deep.equal({ code: EXIT.ok, stdout: `${line}\njob click-counts cancelled\n`, stderr: '' });
    } finally {
      third.child.kill('SIGKILL');
    }
  });

  it('run cancels its job on SIGINT (Ctrl-C), says so, and exits 0', async () => {
    const fourth = startRun(['--rest-port', '0', JOB, '--rate', '100']);
    try {
      const line = await fourth.firstLine;
      fourth.child.kill('SIGINT');
      expect(await fourth.ended).to.deep.equal({ code: EXIT.ok, stdout: `${line}\njob click-counts cancelled\n`, stderr: 'sluice: cancelling 1 job(s); again to end the process at once\n' });
    } finally {
      fourth.child.kill('SIGKILL');
    }
  });

  it('run refuses a module that is not there (2) and one that starts no job (6)', async () => {
    const missing = path.join(dir, 'missing.js');
    expect(await sluice(['run', missing])).to.deep.equal({ code: EXIT.usage, stdout: '', stderr: `sluice: no job module at ${missing}\n` });
    const idle = path.join(dir, 'idle.js');
    writeFileSync(idle, 'module.exports = {};\n');
    const run = await sluice(['run', idle]);
    expect(run.code).to.equal(EXIT.failed);
    expect(run.stderr).to.match(new RegExp(`^sluice: ${escaped(idle)} started no job \\(a job module executes a job at its top level, with the sluice package at .+\\)\\n$`));
  });

  it('run runs an ES module that awaits its job at its top level, at the parallelism of the command line', async () => {
    const esm = path.join(dir, 'esm');
    mkdirSync(esm);
    const sluicePackage = pathToFileURL(path.join(CLI, '..', '..', 'index.js')).href;
    const job = path.join(esm, 'job.mjs');
    writeFileSync(
      job,
      `import { CollectSink, StreamEnvironment } from ${JSON.stringify(sluicePackage)};
const env = StreamEnvironment.create({ jobId: 'esm-counts', parallelism: 1, logging: { level: 'silent' } });
const sink = new CollectSink();
env.fromGenerator(3000, (i) => ({ key: 'k' + (i % 3), n: 1 })).keyBy((r) => r.key).reduce((a, b) => ({ key: a.key, n: a.n + b.n })).name('sum').sinkTo(sink);
const job = env.execute('esm counts');
const result = await job;
const totals = new Map(sink.records().map((r) => [r.key, r.n]));
const sums = (await job.metrics()).tasks.filter((t) => t.name.startsWith('sum')).length;
console.log(result.status, JSON.stringify([...totals].sort()), sums + ' sum tasks', process.argv.slice(2).join(' '));
`,
    );
    const run = await sluice(['run', '--parallelism', '3', job, '--an', 'argument']);
    expect(run).to.deep.equal({
      code: EXIT.ok,
      stdout: `job esm-counts 'esm counts' running\njob esm-counts finished\nfinished [["k0",1000],["k1",1000],["k2",1000]] 3 sum tasks --an argument\n`,
      stderr: '',
    });
    const failing = path.join(esm, 'failing.mjs');
    writeFileSync(failing, `await Promise.resolve();\nthrow new Error('no configuration');\n`);
    expect(await sluice(['run', failing])).to.deep.equal({ code: EXIT.failed, stdout: '', stderr: `sluice: the job module ${failing} failed: no configuration\n` });
  });

  it('refuses a --url that is not http (2)', async () => {
    expect(await sluice(['list', '--url', 'ftp://x'])).to.deep.equal({ code: EXIT.usage, stdout: '', stderr: "sluice: --url 'ftp://x' is not the http:// URL of a job's REST API, such as http://127.0.0.1:8081\n" });
  });
});
