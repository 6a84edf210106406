/**
 * The master's side of exchange channels through Kafka: the job's exchange topic, made or
 * checked once (exchangeTopic.ts), and the addresses of both ends of each crossing channel for
 * each wiring. A deploy reads the partitions' end offsets first, so its ends never read what
 * earlier attempts wrote; a channel wired again within an attempt (restartTask, which cannot
 * wait on Kafka) reads from the last deploy's offsets, its new wiring number skipping the rest.
 * Every wiring has a number of its own, carried as the address's `attempt`.
 */
import type { Admin } from 'kafkajs';
import type { ExecutionPlan } from '../graph/ExecutionPlan';
import type { CrossingChannel } from './placement';
import type { Logger } from '../logging/logger';
import { connectWithin, createKafkaClient, withinKafkaBound } from '../connectors/kafka/kafkaClient';
import { KafkaChannelEnds, ensureExchangeTopic, exchangePartitions, kafkaChannelAddresses, readEndOffsets } from './exchangeTopic';

export interface KafkaChannelWiringOptions {
  readonly brokers: readonly string[];
  readonly applicationId: string;
  readonly operationTimeoutMs: number;
  /** The master's epoch (0 where there is one master for the job's life). */
  readonly epoch: number;
  readonly replicationFactor?: number;
  readonly logger?: Logger;
}

export class KafkaChannelWiring {
  private wirings = 0;
  private endOffsets: ReadonlyMap<number, number> | undefined;

  private constructor(
    private readonly admin: Admin,
    readonly topic: string,
    private readonly plan: ExecutionPlan,
    private readonly options: KafkaChannelWiringOptions,
  ) {}

  /** Connects an admin client and makes (or checks) the plan's exchange topic, within `operationTimeoutMs` each. */
  static async open(plan: ExecutionPlan, options: KafkaChannelWiringOptions): Promise<KafkaChannelWiring> {
    const { brokers, applicationId, operationTimeoutMs, logger } = options;
    const admin = createKafkaClient({ brokers, clientId: `${applicationId}-exchange-master`, operationTimeoutMs, logger }).admin();
    try {
      await connectWithin(() => admin.connect(), `exchange of ${applicationId}`, brokers, operationTimeoutMs, logger);
      const { topic } = await ensureExchangeTopic(admin, { applicationId, partitions: exchangePartitions(plan), brokers, operationTimeoutMs, replicationFactor: options.replicationFactor });
      return new KafkaChannelWiring(admin, topic, plan, options);
    } catch (e) {
      await admin.disconnect().catch(() => undefined);
      throw e;
    }
  }

  /** Both ends of each channel for a deploy: read from the partitions' ends now. */
  async wire(crossing: readonly CrossingChannel[]): Promise<KafkaChannelEnds[]> {
    this.endOffsets = await readEndOffsets(this.admin, this.topic, this.options.brokers, this.options.operationTimeoutMs, this.options.logger);
    return this.addresses(crossing);
  }

  /** Both ends of channels wired again within the attempt: from the last deploy's offsets, under a new wiring number. */
  rewire(crossing: readonly CrossingChannel[]): KafkaChannelEnds[] {
    if (this.endOffsets === undefined) throw new Error(`exchange ${this.topic}: channels are wired again before any deploy wired them`);
    return this.addresses(crossing);
  }

  async close(): Promise<void> {
    const { brokers, operationTimeoutMs } = this.options;
    await withinKafkaBound(this.admin.disconnect(), `exchange ${this.topic}: disconnecting the admin client`, brokers, operationTimeoutMs).catch(() => undefined);
  }

  private addresses(crossing: readonly CrossingChannel[]): KafkaChannelEnds[] {
    return kafkaChannelAddresses({ topic: this.topic, plan: this.plan, crossing, attempt: ++this.wirings, epoch: this.options.epoch, endOffsets: this.endOffsets! });
  }
}
