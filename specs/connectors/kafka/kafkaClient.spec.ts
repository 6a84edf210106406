import { expect } from 'chai';
import { logLevel } from 'kafkajs';
import pino from 'pino';
import { connectWithin, createKafkaClient, kafkaLogCreator, kafkaLogLevel } from '../../../src/connectors/kafka/kafkaClient';
import { ServiceError } from '../../../src/services/ServiceError';
import { closedPort } from '../../support/silentServer';

type Line = { level: number; msg: string } & Record<string, unknown>;

function recordingLogger(level: pino.Level | 'silent' = 'debug'): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  return { lines, logger: pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) }) };
}

describe('connectors/kafka/kafkaClient', function () {
  this.timeout(30_000);

  describe("kafkajs's log lines", () => {
    it('go to the task logger at the same level, with their namespace and fields', () => {
      const { logger, lines } = recordingLogger();
      const log = kafkaLogCreator(logger)();
      const entry = (level: logLevel, message: string) => ({ namespace: 'Connection', level, label: logLevel[level], log: { timestamp: 'now', logger: 'kafkajs', message, broker: 'b:9092' } });
      log(entry(logLevel.ERROR, 'Response Metadata'));
      log(entry(logLevel.WARN, 'slow'));
      log(entry(logLevel.INFO, 'Starting'));
      log(entry(logLevel.DEBUG, 'Request'));
      expect(lines.map((l) => [l.level, l.msg, l.kafkajs, l.broker])).to.deep.equal([
        [50, 'Response Metadata', 'Connection', 'b:9092'],
        [40, 'slow', 'Connection', 'b:9092'],
        [30, 'Starting', 'Connection', 'b:9092'],
        [20, 'Request', 'Connection', 'b:9092'],
      ]);
      expect(lines[0]).not.to.have.property('timestamp');
    });

    it("are asked of kafkajs down to the logger's level (none without a logger)", () => {
      const levels = (['debug', 'info', 'warn', 'error', 'silent'] as const).map((level) => kafkaLogLevel(recordingLogger(level).logger));
      expect(levels).to.deep.equal([logLevel.DEBUG, logLevel.INFO, logLevel.WARN, logLevel.ERROR, logLevel.NOTHING]);
      expect(kafkaLogLevel(undefined)).to.equal(logLevel.NOTHING);
    });
  });

  describe('connecting to brokers where nothing listens', () => {
    it('fails at operationTimeoutMs with a ServiceError naming the brokers and the last error, kafkajs logging its own tries', async () => {
      const broker = `127.0.0.1:${await closedPort()}`;
      const { logger, lines } = recordingLogger('info');
      const kafka = createKafkaClient({ brokers: [broker], clientId: 'spec', operationTimeoutMs: 800, logger });
      const producer = kafka.producer();
      const started = Date.now();
      try {
        const error = await connectWithin(() => producer.connect(), 'spec sink', [broker], 800, logger).then(() => undefined, (e: unknown) => e);
        expect(Date.now() - started).to.be.within(700, 5000);
        expect(error).to.be.instanceOf(ServiceError).and.to.include({ service: 'kafka', target: broker, restartable: false });
        expect((error as Error).message).to.include(`spec sink: cannot reach Kafka at ${broker} within 800 ms (last error:`).and.to.match(/\(last error: .+\)/);
        // The last error is kafkajs's ECONNREFUSED, or, on a loaded machine where kafkajs's own
        // tries outlast the bound, `no answer within 800 ms` (the bound cut that try short).
        expect((error as Error).message).to.match(/\(last error: (.*ECONNREFUSED.*|no answer within 800 ms)\)/);
        expect(lines.some((l) => l.level === 50 && l.kafkajs !== undefined && /ECONNREFUSED/.test(String(l.msg) + String(l.error)))).to.equal(true);
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    });

    // Sluice's own retries, with a scripted connect: with kafkajs, its own tries take about 40%
    // of the bound (kafkaClient.ts), so on a loaded machine the bound can still pass before a
    // retry of ours, and whether one is logged would depend on the machine.
    it('retries a failed connect until operationTimeoutMs, logging each retry with its cause, and gives up with the last error', async () => {
      const { logger, lines } = recordingLogger('info');
      let attempts = 0;
      const refused = () => Promise.reject(new Error(`Connection error: connect ECONNREFUSED 127.0.0.1:1 (attempt ${++attempts})`));
      const started = Date.now();
      const error = await connectWithin(refused, 'spec sink', ['127.0.0.1:1'], 600, logger).then(() => undefined, (e: unknown) => e);
      expect(Date.now() - started).to.be.within(550, 5000);
      expect(attempts).to.be.at.least(2);
      expect(error).to.be.instanceOf(ServiceError);
      expect((error as Error).message).to.include(`(last error: Connection error: connect ECONNREFUSED 127.0.0.1:1 (attempt ${attempts}))`);
      const retries = lines.filter((l) => l.msg.startsWith('spec sink: connecting to Kafka at 127.0.0.1:1 failed'));
      // Every attempt but the last is followed by a logged retry; the last too when the bound
      // left time for a wait after it (the wait then ends at the bound).
      expect(retries.length).to.be.within(attempts - 1, attempts);
      expect(retries.map((l) => l.cause)).to.deep.equal(Array.from({ length: retries.length }, (_, i) => `Connection error: connect ECONNREFUSED 127.0.0.1:1 (attempt ${i + 1})`));
      for (const retry of retries) expect(retry).to.include({ level: 40, kafka: '127.0.0.1:1' });
    });
  });
});
