/**
 * Commits a Kafka source's position to its consumer group when a checkpoint completes, never
 * before: the group's offsets never run ahead of a completed checkpoint. The checkpoint, not
 * the group, is what a restore reads; the group's offsets are for lag tools and
 * `startFrom: 'committed'`.
 */
import type { CheckpointId } from '../../checkpoint/CheckpointTypes';
import type { Logger } from '../../logging/logger';
import { messageOf, withinKafkaBound } from './kafkaClient';
import type { KafkaSourcePosition } from './KafkaSourcePosition';

/** Positions of checkpoints not yet complete, kept at most this many: a later completion subsumes older ones. */
const PENDING_COMMITS = 32;

export interface OffsetCommitterOptions {
  /** The source's name, for messages. */
  readonly name: string;
  readonly groupId: string;
  readonly brokers: readonly string[];
  readonly timeoutMs: number;
  readonly logger?: Logger;
  /** OffsetCommit of the position to the group. */
  readonly commit: (position: KafkaSourcePosition) => Promise<void>;
}

export class KafkaOffsetCommitter {
  /** Positions taken by checkpoints not yet complete, by checkpoint id (ascending). */
  private readonly pending = new Map<CheckpointId, KafkaSourcePosition>();
  private next: KafkaSourcePosition | undefined;
  private committing: Promise<void> | undefined;
  private failed = 0;

  constructor(private readonly options: OffsetCommitterOptions) {}

  /** Keeps the position a checkpoint took, to commit it if that checkpoint completes. */
  checkpointTaken(checkpointId: CheckpointId, position: KafkaSourcePosition): void {
    this.pending.set(checkpointId, position);
    if (this.pending.size > PENDING_COMMITS) this.pending.delete(this.pending.keys().next().value!);
  }

  /** Commits the position of the completed checkpoint, in the background, latest first. */
  checkpointCompleted(checkpointId: CheckpointId): void {
    const position = this.pending.get(checkpointId);
    for (const id of this.pending.keys()) if (id <= checkpointId) this.pending.delete(id);
    if (position === undefined || position.length === 0) return;
    this.next = position;
    this.committing ??= this.commitLoop().finally(() => (this.committing = undefined));
  }

  /** Offset commits that failed (each reported as a process warning). */
  failures(): number {
    return this.failed;
  }

  /** Resolves once the commit in flight and the one waiting (a bounded job's final one) are sent. */
  async flush(): Promise<void> {
    await this.committing;
  }

  /**
   * One commit in flight at a time; a completion that arrives meanwhile replaces the waiting
   * one, so at most one position waits. A failed commit is reported and not retried: the next
   * completed checkpoint commits a newer position.
   */
  private async commitLoop(): Promise<void> {
    const { name, groupId, brokers, timeoutMs, logger } = this.options;
    while (this.next !== undefined) {
      const offsets = this.next;
      this.next = undefined;
      try {
        await withinKafkaBound(this.options.commit(offsets), `${name}: committing offsets to consumer group '${groupId}'`, brokers, timeoutMs);
      } catch (e) {
        this.failed++;
        const message = `${name}: committing offsets to consumer group '${groupId}' failed: ${(e as Error).message}`;
        logger?.warn({ groupId, cause: messageOf(e) }, message);
        process.emitWarning(message, 'SluiceKafkaCommitWarning');
      }
    }
  }
}
