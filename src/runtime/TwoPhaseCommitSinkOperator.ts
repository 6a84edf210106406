/**
 * Runs a two-phase-commit sink writer: one transaction per checkpoint interval, pre-committed
 * on the barrier, committed when the checkpoint completes; pending and current transactions
 * are kept in operator state, so a restore commits what the checkpoint promised and aborts
 * what it did not. Without checkpointing, the single transaction commits at end of input.
 */
import { TwoPhaseCommitSink, TwoPhaseCommitWriter } from '../connectors/TwoPhaseCommitSink';
import { CheckpointId } from '../checkpoint/CheckpointTypes';
import { ListState } from '../state/State';
import { ListStateDescriptor } from '../state/StateDescriptor';
import { Serializer } from '../state/Serializer';
import { isLeft, left, right } from 'fp-ts/Either';
import { FINAL_CHECKPOINT, OperatorContext, Output, StreamOperator } from './StreamOperator';

interface PendingCommit<Txn> {
  readonly checkpointId: number;
  readonly transaction: Txn;
}

function pendingSerializer<Txn>(txn: Serializer<Txn>): Serializer<PendingCommit<Txn>> {
  return {
    name: `pending(${txn.name})`,
    serialize: (p) => JSON.stringify([p.checkpointId, txn.serialize(p.transaction)]),
    deserialize: (text) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        return left(`not JSON: ${(e as Error).message}`);
      }
      if (!Array.isArray(parsed) || typeof parsed[0] !== 'number' || typeof parsed[1] !== 'string') return left('expected [checkpointId, transaction]');
      const t = txn.deserialize(parsed[1]);
      return isLeft(t) ? t : right({ checkpointId: parsed[0], transaction: t.right });
    },
  };
}

export class TwoPhaseCommitSinkOperator<T, Txn> implements StreamOperator<T, never> {
  private writer!: TwoPhaseCommitWriter<T, Txn>;
  private context!: OperatorContext;
  private current: Txn | undefined;
  private buffer: T[] = [];
  private pending: PendingCommit<Txn>[] = [];
  private pendingState!: ListState<PendingCommit<Txn>>;
  private currentState!: ListState<Txn>;

  constructor(private readonly sink: TwoPhaseCommitSink<T, Txn>) {}

  async open(context: OperatorContext, _output: Output<never>): Promise<void> {
    this.context = context;
    this.writer = this.sink.createWriter({
      index: context.index,
      parallelism: context.parallelism,
      jobName: context.jobName,
      restoredCheckpointId: context.restoredCheckpointId,
      logger: context.logger,
    });
    await this.writer.open?.();
    const serializer = this.sink.transactionSerializer;
    this.pendingState = context.operatorState.getListState(new ListStateDescriptor('two-phase-commit-pending', pendingSerializer(serializer)));
    this.currentState = context.operatorState.getListState(new ListStateDescriptor('two-phase-commit-current', serializer));
    if (context.isRestored) {
      const promised = this.pendingState.get();
      const inProgress = this.currentState.get();
      for (const p of promised) await (this.writer.recoverAndCommit ?? this.writer.commit).call(this.writer, p.transaction);
      for (const txn of inProgress) await (this.writer.recoverAndAbort ?? this.writer.abort).call(this.writer, txn);
      await this.writer.abortLingering?.([...promised.map((p) => p.transaction), ...inProgress]);
      this.pendingState.clear();
      this.currentState.clear();
    }
    this.current = await this.writer.beginTransaction();
  }

  processElement(record: T): void {
    this.buffer.push(record);
  }

  endOfBatch(): void | Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    return this.writer.write(this.current!, batch);
  }

  async snapshotState(checkpointId: CheckpointId): Promise<void> {
    await this.endOfBatch();
    if (this.current !== undefined) {
      await this.writer.preCommit(this.current);
      this.pending.push({ checkpointId, transaction: this.current });
      // After the final snapshot nothing more is written: no new transaction.
      this.current = checkpointId === FINAL_CHECKPOINT ? undefined : await this.writer.beginTransaction();
    }
    this.pendingState.update(this.pending);
    this.currentState.update(this.current === undefined ? [] : [this.current]);
  }

  async notifyCheckpointComplete(checkpointId: CheckpointId): Promise<void> {
    // Transactions of aborted checkpoints are committed by the next one that completes.
    while (this.pending.length > 0 && this.pending[0].checkpointId <= checkpointId) {
      await this.writer.commit(this.pending[0].transaction);
      this.pending.shift();
    }
  }

  async finish(): Promise<void> {
    await this.endOfBatch();
    if (this.context.checkpointing !== undefined || this.current === undefined) return;
    // No checkpoints: the one transaction commits at end of input.
    await this.writer.preCommit(this.current);
    await this.writer.commit(this.current);
    this.current = undefined;
  }

  async close(): Promise<void> {
    // Pre-committed transactions stay: a restore commits them. Only the open one is abandoned.
    if (this.current !== undefined) await this.writer.abort(this.current);
    await this.writer.close?.();
  }
}
