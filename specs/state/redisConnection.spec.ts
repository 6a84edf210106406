import { expect } from 'chai';
import pino from 'pino';
import { connectRedis, whenReady } from '../../src/state/redisConnection';
import { RedisKeyedStateBackend } from '../../src/state/RedisKeyedStateBackend';
import { ServiceError } from '../../src/services/ServiceError';
import { keyGroupRangeForOperator } from '../../src/state/keyGroups';
import { Serializers } from '../../src/state/Serializer';
import { ValueStateDescriptor } from '../../src/state/StateDescriptor';
import { startOwnRedis } from '../support/redisService';
import { closedPort } from '../support/silentServer';
import { checkpoint } from '../support/checkpointIds';

/** A pino logger whose lines a spec reads. */
function recordingLogger(): { logger: pino.Logger; lines: Array<{ level: number; msg: string } & Record<string, unknown>> } {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  return { lines, logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) }) };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('state/redisConnection', function () {
  this.timeout(30_000);

  describe('when nothing listens at the url', () => {
    it('waits for the server through reconnects for operationTimeoutMs, then fails naming it, as an error a restart cannot mend', async () => {
      const url = `redis://127.0.0.1:${await closedPort()}`;
      const { logger, lines } = recordingLogger();
      const client = connectRedis(url, undefined, { operationTimeoutMs: 600, logger });
      const started = Date.now();
      try {
        const error = await whenReady(client, url, 600).then(() => undefined, (e: unknown) => e);
        expect(Date.now() - started).to.be.at.least(550);
        expect(error).to.be.instanceOf(ServiceError);
        const e = error as ServiceError;
        expect([e.service, e.target, e.restartable]).to.deep.equal(['redis', url, false]);
        expect(e.message).to.include(`cannot reach Redis at ${url}: no answer within 600 ms (last error: connect ECONNREFUSED`).and.to.include('raise operationTimeoutMs');
        // Several reconnects, logged once while the cause stays the same.
        const reconnects = lines.filter((l) => l.msg.includes('reconnecting'));
        expect(reconnects.length).to.equal(1);
        expect(reconnects[0]).to.include({ level: 40, redis: url });
        expect(String(reconnects[0].cause)).to.include('ECONNREFUSED');
      } finally {
        client.disconnect();
      }
    });
  });

  describe('when the server stops answering', () => {
    it("a backend's pipeline fails within operationTimeoutMs, naming the server and the bound", async () => {
      const own = await startOwnRedis();
      const admin = connectRedis(own.url);
      const backend = new RedisKeyedStateBackend(keyGroupRangeForOperator(0, 1, 128), 128, { url: own.url, keyPrefix: 'paused', jobId: 'job', operatorUid: 'op', cacheSize: 10, operationTimeoutMs: 300, pinningStates: [] });
      try {
        await whenReady(admin, own.url);
        await backend.restore([]);
        const count = backend.getValueState(new ValueStateDescriptor('count', Serializers.number));
        for (let i = 0; i < 50; i++) {
          backend.setCurrentKey(`k${i}`);
          count.update(i);
        }
        // Every client's commands wait while the server is paused: as a stopped server's would.
        await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
        const started = Date.now();
        const error = await backend.snapshot(checkpoint(1)).then(() => undefined, (e: unknown) => e);
        expect(Date.now() - started).to.be.below(2500);
        expect((error as Error).message).to.equal(`Redis at ${own.url} failed: no answer within 300 ms (operationTimeoutMs)`);
        expect(error).to.be.instanceOf(ServiceError).and.to.include({ restartable: true });
      } finally {
        await backend.dispose();
        admin.disconnect();
        await own.stop();
      }
    });
  });

  describe("the client's trouble goes to the logger", () => {
    it('a lost server is logged with its cause as the client reconnects, and its return once it is back', async () => {
      const own = await startOwnRedis();
      const { logger, lines } = recordingLogger();
      const client = connectRedis(own.url, 'logged', { logger });
      try {
        await whenReady(client, own.url);
        await own.stop(true);
        await until(() => lines.some((l) => l.msg.includes('reconnecting')), 'the reconnect to be logged');
        await own.start();
        await until(() => lines.some((l) => l.msg.includes('connected again')), 'the return to be logged');
        const reconnect = lines.find((l) => l.msg.includes('reconnecting'))!;
        expect(reconnect.msg).to.match(new RegExp(`^Redis at ${own.url}: reconnecting in \\d+ ms after: `));
        expect(reconnect.cause).to.be.a('string');
      } finally {
        client.disconnect();
        await own.stop();
      }
    });
  });
});
