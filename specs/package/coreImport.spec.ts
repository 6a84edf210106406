import { expect } from 'chai';
import { execFile } from 'child_process';
import * as path from 'path';

/** build/src, where the package's entry points are (this spec runs from build/specs/package). */
const BUILT = path.resolve(__dirname, '..', '..', 'src');

/** What each heavy dependency's files look like in require.cache. */
const HEAVY: Record<string, RegExp> = {
  kafkajs: /[\\/]node_modules[\\/]kafkajs[\\/]/,
  ioredis: /[\\/]node_modules[\\/]ioredis[\\/]/,
  'the SQL grammar bundle': /[\\/]vendor[\\/]flinkSql\.cjs$/,
  'dt-sql-parser': /[\\/]node_modules[\\/](dt-sql-parser|antlr4ng)[\\/]/,
};

/**
 * Runs `script` in a fresh Node process (this one has loaded everything already), with
 * `entry(name)` requiring build/src/<name>.js, and gives the heavy dependencies then loaded.
 */
function heavyLoadedAfter(script: string): Promise<string[]> {
  const program = `
    const entry = (name) => require(${JSON.stringify(BUILT)} + '/' + name + '.js');
    Promise.resolve((async () => { ${script} })()).then(() => {
      process.stdout.write(JSON.stringify(Object.keys(require.cache)));
      process.exit(0);
    }, (e) => { console.error(e); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', program], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${error.message}\n${stderr}`));
      const loaded = JSON.parse(stdout) as string[];
      resolve(Object.entries(HEAVY).filter(([, pattern]) => loaded.some((file) => pattern.test(file))).map(([name]) => name));
    });
  });
}

describe('package: what an entry point loads', function () {
  this.timeout(30_000);

  it("the core ('sluice') loads neither kafkajs, ioredis nor the SQL grammar, nor any SQL module", async () => {
    expect(await heavyLoadedAfter(`entry('index');`)).to.deep.equal([]);
    const sqlModules = await new Promise<string[]>((resolve, reject) =>
      execFile(process.execPath, ['-e', `require(${JSON.stringify(BUILT)} + '/index.js'); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`], (e, out) =>
        e ? reject(e) : resolve((JSON.parse(out) as string[]).filter((f) => f.includes(`${path.sep}sql${path.sep}`))),
      ),
    );
    expect(sqlModules).to.deep.equal([]);
  });

  it('the API (StreamEnvironment, with its env.fromKafka) loads neither kafkajs, ioredis nor any module of the Kafka connector', async () => {
    expect(await heavyLoadedAfter(`entry('api/StreamEnvironment');`)).to.deep.equal([]);
    const kafkaConnector = await new Promise<string[]>((resolve, reject) =>
      execFile(process.execPath, ['-e', `require(${JSON.stringify(BUILT)} + '/api/StreamEnvironment.js'); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`], (e, out) =>
        e ? reject(e) : resolve((JSON.parse(out) as string[]).filter((f) => f.includes(`${path.sep}connectors${path.sep}kafka${path.sep}`)).map((f) => path.basename(f))),
      ),
    );
    expect(kafkaConnector).to.deep.equal([]);
  });

  it("what a task manager loads to build and run a job's tasks leaves out the job master's side, pino-pretty and the Redis backend (docs/internals.md, \"What a task manager loads\")", async () => {
    // A task manager's thread: the API, its runtime, a keyed job built and planned (taskManagerWorker.ts), on memory state.
    const script = `
      const { StreamEnvironment } = require(${JSON.stringify(BUILT)} + '/api/StreamEnvironment.js');
      require(${JSON.stringify(BUILT)} + '/cluster/TaskManagerRuntime.js');
      require(${JSON.stringify(BUILT)} + '/cluster/taskManagerProtocol.js');
      const env = StreamEnvironment.create({ parallelism: 2 });
      env.fromGenerator(10, (i) => ({ k: i % 3, n: 1 })).keyBy((r) => r.k).sum('n').print();
      env.plan('job');
      process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
    const loaded = await new Promise<string[]>((resolve, reject) => execFile(process.execPath, ['-e', script], { maxBuffer: 1 << 24 }, (e, out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve(JSON.parse(out) as string[]))));
    const masterSide = ['startJob.js', 'runJob.js', 'jobMasterActor.js', 'JobMaster.js', 'CheckpointCoordinator.js', 'TaskManagers.js', 'RedisKeyedStateBackend.js'];
    expect(loaded.map((f) => path.basename(f)).filter((f) => masterSide.includes(f))).to.deep.equal([]);
    expect(loaded.filter((f) => /[\\/]node_modules[\\/]pino-pretty[\\/]/.test(f))).to.deep.equal([]);
  });

  it('a job on memory state with checkpoints, run to its end, loads neither kafkajs nor ioredis', async () => {
    const loaded = await heavyLoadedAfter(`
      const { StreamEnvironment } = entry('index');
      const env = StreamEnvironment.create({ parallelism: 2 });
      env.enableCheckpointing(50);
      await env.fromCollection([1, 2, 3]).keyBy((n) => n % 2).sum().executeAndCollect();`);
    expect(loaded).to.deep.equal([]);
  });

  it('a job loads the web server (src/web) and prom-client only when it is served (the rest option)', async () => {
    const webModules = (served: boolean) =>
      new Promise<string[]>((resolve, reject) =>
        execFile(
          process.execPath,
          [
            '-e',
            `const { StreamEnvironment } = require(${JSON.stringify(BUILT)} + '/index.js');
             const env = StreamEnvironment.create(${served ? "{ rest: { port: 0 }, logging: { level: 'silent' } }" : '{}'});
             env.fromCollection([1, 2, 3]).sinkTo({ name: 'none', createWriter: () => ({ write() {} }) });
             const job = env.execute('web');
             Promise.all([job, job.rest]).then(() => process.stdout.write(JSON.stringify(Object.keys(require.cache))));`,
          ],
          (e, out) => (e ? reject(e) : resolve((JSON.parse(out) as string[]).filter((f) => f.includes(`${path.sep}web${path.sep}`) || /[\\/]node_modules[\\/]prom-client[\\/]/.test(f)))),
        ),
      );
    expect(await webModules(false)).to.deep.equal([]);
    const served = await webModules(true);
    expect(served.some((f) => f.endsWith(`${path.sep}web${path.sep}RestServer.js`))).to.equal(true);
    expect(served.some((f) => f.includes('prom-client'))).to.equal(true);
  });

  it("'sluice/kafka' loads kafkajs when a client is made, not at import", async () => {
    expect(await heavyLoadedAfter(`entry('kafka');`)).to.deep.equal([]);
    expect(await heavyLoadedAfter(`entry('connectors/kafka/kafkaClient').createKafkaClient({ brokers: ['127.0.0.1:9'], clientId: 'spec', operationTimeoutMs: 1000 });`)).to.deep.equal(['kafkajs']);
  });

  it("'sluice/redis' loads ioredis when a connection is made, not at import", async () => {
    expect(await heavyLoadedAfter(`entry('redis');`)).to.deep.equal([]);
    expect(await heavyLoadedAfter(`entry('state/redisConnection').connectRedis('redis://127.0.0.1:9', 'spec').disconnect();`)).to.deep.equal(['ioredis']);
  });

  it("'sluice/sql' loads the grammar with the first statement, and never kafkajs or ioredis for a query over a stream", async () => {
    expect(await heavyLoadedAfter(`entry('sql');`)).to.deep.equal([]);
    const loaded = await heavyLoadedAfter(`
      const { StreamEnvironment } = entry('index');
      const { TableEnvironment } = entry('sql');
      const env = StreamEnvironment.create();
      const tEnv = TableEnvironment.create(env);
      tEnv.createTemporaryView('t', tEnv.fromDataStream(env.fromCollection([{ a: 1 }]), 'a INT'));
      await tEnv.sqlQuery('SELECT a + 1 AS b FROM t').toDataStream().executeAndCollect();`);
    expect(loaded).to.deep.equal(['the SQL grammar bundle']);
  });
});
