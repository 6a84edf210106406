import { expect } from 'chai';
import { left } from 'fp-ts/Either';
import { ConfigError, StreamEnvironment, StreamEnvironmentOptions } from '../../src';
import { decodeEnvironmentOptions } from '../../src/api/EnvironmentConfig';

/** The ConfigError that creating an environment with `options` throws. */
function refused(options: unknown): ConfigError {
  try {
    StreamEnvironment.create(options as StreamEnvironmentOptions);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(options)} to be refused`);
}

const known = 'known: parallelism, maxParallelism, batchSize, channelCapacity, operatorChaining, allowNonRestoredState, jobId, checkpointStorage, stateBackend, logging, restoreFrom, rest, metrics, taskManagers, taskManagerHeapMb, taskManagerHangTimeoutMs, cluster';

describe('api/EnvironmentConfig', () => {
  describe('defaults', () => {
    it('are parallelism 1, maxParallelism 128, batchSize 1024, channelCapacity 2 × batchSize, chaining on', () => {
      expect(StreamEnvironment.create().config).to.deep.equal({
        parallelism: 1,
        maxParallelism: 128,
        batchSize: 1024,
        channelCapacity: 2048,
        operatorChaining: true,
        allowNonRestoredState: false,
        jobId: undefined,
        checkpointStorage: 'memory',
        stateBackend: 'memory',
        logging: undefined,
        restoreFrom: undefined,
        rest: undefined,
        metrics: undefined,
        taskManagers: 1,
        taskManagerHeapMb: undefined,
        taskManagerHangTimeoutMs: 30_000,
        cluster: undefined,
      });
      expect(StreamEnvironment.create({}).config).to.deep.equal(StreamEnvironment.create().config);
    });

    it('make the channel capacity twice the batch size that was set', () => {
      expect(StreamEnvironment.create({ batchSize: 100 }).config.channelCapacity).to.equal(200);
    });

    it('apply only to options not given', () => {
      expect(
        StreamEnvironment.create({ parallelism: 4, maxParallelism: 256, batchSize: 10, channelCapacity: 15, operatorChaining: false }).config,
      ).to.deep.equal({ ...StreamEnvironment.create().config, parallelism: 4, maxParallelism: 256, batchSize: 10, channelCapacity: 15, operatorChaining: false });
    });

    it('apply to options given as undefined', () => {
      expect(StreamEnvironment.create({ parallelism: undefined }).config.parallelism).to.equal(1);
    });

    it('reach the execution plan', () => {
      const env = StreamEnvironment.create({ batchSize: 7 });
      env.fromCollection([1]).print();
      const plan = env.plan('defaults');
      expect([plan.maxParallelism, plan.batchSize, plan.channelCapacity]).to.deep.equal([128, 7, 14]);
    });
  });

  describe('bad options', () => {
    it('refuses parallelism 0, naming the option, the value and the allowed range', () => {
      expect(refused({ parallelism: 0 }).problems).to.deep.equal(['parallelism: 0 must be an integer in 1..32768']);
    });

    it('refuses batchSize -1', () => {
      expect(refused({ batchSize: -1 }).problems).to.deep.equal(['batchSize: -1 must be an integer in 1..1048576']);
    });

    it("refuses the unknown option 'paralelism', listing the known ones", () => {
      expect(refused({ paralelism: 2 }).problems).to.deep.equal([`unknown option 'paralelism' (${known})`]);
    });

    it('refuses a parallelism above maxParallelism', () => {
      expect(refused({ parallelism: 8, maxParallelism: 4 }).problems).to.deep.equal(['parallelism 8 exceeds maxParallelism 4']);
      expect(refused({ parallelism: 200 }).problems).to.deep.equal(['parallelism 200 exceeds maxParallelism 128']);
    });

    it('refuses values of the wrong type', () => {
      expect(refused({ parallelism: '2', maxParallelism: 1.5, operatorChaining: 'yes', allowNonRestoredState: 1 }).problems).to.deep.equal([
        'parallelism: "2" must be an integer in 1..32768',
        'maxParallelism: 1.5 must be an integer in 1..32768',
        'operatorChaining: "yes" is invalid',
        'allowNonRestoredState: 1 is invalid',
      ]);
    });

    it('refuses a logging option that is neither a pino logger nor { level, pretty }', () => {
      expect(refused({ logging: { level: 'loud', colour: true } }).problems).to.deep.equal([
        "logging: {\"level\":\"loud\",\"colour\":true} must be a pino logger or { level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent', pretty?: boolean }: " +
          'unknown field(s) colour; level must be one of fatal, error, warn, info, debug, trace, silent',
      ]);
    });

    it('refuses options that are not an object', () => {
      expect(refused(null).problems).to.deep.equal(['options must be an object']);
      expect(decodeEnvironmentOptions(3)).to.deep.equal(left(['options must be an object']));
    });

    it('lists every problem at once: parallelism 0, batchSize -1 and the unknown paralelism', () => {
      const error = refused({ parallelism: 0, batchSize: -1, paralelism: 2 });
      expect(error.problems).to.deep.equal([
        `unknown option 'paralelism' (${known})`,
        'parallelism: 0 must be an integer in 1..32768',
        'batchSize: -1 must be an integer in 1..1048576',
      ]);
      expect(error.message).to.equal(
        'invalid StreamEnvironment options:\n' +
          `  - unknown option 'paralelism' (${known})\n` +
          '  - parallelism: 0 must be an integer in 1..32768\n' +
          '  - batchSize: -1 must be an integer in 1..1048576',
      );
      expect(error.name).to.equal('ConfigError');
      expect(error._tag).to.equal('ConfigError');
    });

    it('lists parallelism above maxParallelism together with the other problems', () => {
      const error = refused({ parallelism: 200, batchSize: -1, paralelism: 2 });
      expect(error.problems).to.have.members([
        `unknown option 'paralelism' (${known})`,
        'batchSize: -1 must be an integer in 1..1048576',
        'parallelism 200 exceeds maxParallelism 128',
      ]);
    });
  });

  describe('rest and metrics', () => {
    it('listen on loopback by default and turn metrics on with rest', () => {
      const config = StreamEnvironment.create({ rest: { port: 0 } }).config;
      expect(config.rest).to.deep.equal({ port: 0 });
      expect(config.metrics).to.deep.equal({ intervalMs: 1000 });
      expect(StreamEnvironment.create({ metrics: { intervalMs: 250 } }).config.metrics).to.deep.equal({ intervalMs: 250 });
    });

    it('refuse a non-loopback address without allowNonLoopback, and take it with', () => {
      const error = refused({ rest: { port: 8081, host: '0.0.0.0' } });
      expect(error.problems).to.have.length(1);
      expect(error.problems[0]).to.match(/rest: .*host '0\.0\.0\.0' is not a loopback address.*allowNonLoopback: true/);
      expect(StreamEnvironment.create({ rest: { port: 8081, host: '0.0.0.0', allowNonLoopback: true, token: 'secret-token' } }).config.rest?.host).to.equal('0.0.0.0');
      expect(StreamEnvironment.create({ rest: { port: 8081, host: '127.0.0.2' } }).config.rest?.host).to.equal('127.0.0.2');
    });

    it('list every problem of rest and metrics options', () => {
      const error = refused({ rest: { port: 70000, token: 'short', bogus: 1 }, metrics: false });
      expect(error.problems.join('\n')).to.include('unknown field(s) bogus').and.include('port must be an integer in 0..65535').and.include('token must have at least 8 characters');
      expect(error.problems).to.include('metrics: false cannot go with rest: the REST API and the dashboard serve the metrics');
      expect(refused({ metrics: { intervalMs: 5 } }).problems[0]).to.include('intervalMs must be an integer in 50..600000');
      expect(refused({ rest: 8081 }).problems[0]).to.include('rest: 8081 must be { port');
    });
  });
});
