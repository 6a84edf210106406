/**
 * A Kafka broker of one spec's own, for specs that restart or kill the broker: the project's
 * script (specs/services/kafka.sh) with KAFKA_RUN_DIR in a temporary folder, so the shared
 * broker other test runs use is never touched.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lastLine, runKafkaScript } from './kafkaService';

export class PrivateKafkaBroker {
  private constructor(private readonly runDir: string, readonly bootstrap: string) {}

  /** Starts a broker on a freshly formatted log dir of its own. */
  static async start(): Promise<PrivateKafkaBroker> {
    const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-private-kafka-'));
    // A second attempt: on a loaded machine a JVM (formatting, or the broker) has been seen to fail once.
    let started = await runKafkaScript(['start'], 180_000, { KAFKA_RUN_DIR: runDir });
    if (started.code !== 0) started = await runKafkaScript(['start'], 180_000, { KAFKA_RUN_DIR: runDir });
    if (started.code !== 0) {
      await fs.rm(runDir, { recursive: true, force: true });
      throw new Error(`could not start a private Kafka broker (KAFKA_RUN_DIR=${runDir} specs/services/kafka.sh start): ${started.stderr.trim().split('\n').slice(-20).join('\n')}`);
    }
    return new PrivateKafkaBroker(runDir, lastLine(started.stdout));
  }

  /**
   * Stops the broker (SIGTERM, as an operator's restart does), keeps it down `downSeconds`,
   * and starts it again on the same port and log dir.
   */
  async restart(downSeconds = 0): Promise<void> {
    const restarted = await runKafkaScript(['restart', String(downSeconds)], 180_000 + downSeconds * 1000, { KAFKA_RUN_DIR: this.runDir });
    if (restarted.code !== 0 || lastLine(restarted.stdout) !== this.bootstrap) {
      throw new Error(`the private Kafka broker did not come back at ${this.bootstrap}: ${lastLine(restarted.stderr) || lastLine(restarted.stdout)}`);
    }
  }

  /** Stops the broker and deletes its folder. */
  async stop(): Promise<void> {
    await runKafkaScript(['stop'], 60_000, { KAFKA_RUN_DIR: this.runDir });
    await fs.rm(this.runDir, { recursive: true, force: true });
  }
}
