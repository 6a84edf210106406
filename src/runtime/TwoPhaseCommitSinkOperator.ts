/**
 * Runs a two-phase-commit sink writer: one transaction per checkpoint interval, pre-committed
 * on the barrier, committed when the checkpoint completes; pending and current transactions
 * are kept in operator state, so a restore commits what the checkpoint promised and aborts
 * what it did not. Without checkpointing, the single transaction commits at end of input.
 *
 * Recovery, at any parallelism: the transactions are union list state, so every instance
 * reads every transaction the checkpoint lists, each marked with the index of the instance
 * that wrote it. A transaction is recovered (committed if pre-committed, aborted if it was
 * open) by exactly one instance, the one whose index is its writer's index mod parallelism;
 * and every instance knows the whole list when it ends leftovers (`abortLingering`), so it
 * never ends a transaction another instance must commit (Flink keeps 2PC transactions in
 * union state for this reason).
 */
import * as t from 'io-ts';
import { TwoPhaseCommitSink, TwoPhaseCommitWriter } from '../graph/TwoPhaseCommitSink';
import { CheckpointId } from '../checkpoint/CheckpointTypes';
import { ListState } from '../state/State';
import { ListStateDescriptor } from '../state/StateDescriptor';
import { Serializer, codecSerializer } from '../state/Serializer';
import { isLeft, right } from 'fp-ts/Either';
import { FINAL_CHECKPOINT, OperatorContext, Output, StreamOperator } from '../graph/StreamOperator';

/** A transaction as the operator state lists it: which instance wrote it and, once pre-committed, for which checkpoint. */
interface ListedTransaction<Txn> {
  readonly instance: number;
  /** Undefined while the transaction is open (the current one). */
  readonly checkpointId: number | undefined;
  readonly transaction: Txn;
}

/** `[instance, checkpoint id or null, transaction text]`. */
const ListedCodec = t.tuple([t.number, t.union([t.number, t.null]), t.string]);
const listedText = codecSerializer(ListedCodec);

function listedSerializer<Txn>(txn: Serializer<Txn>): Serializer<ListedTransaction<Txn>> {
  return {
    name: `listed(${txn.name})`,
    serialize: (l) => listedText.serialize([l.instance, l.checkpointId ?? null, txn.serialize(l.transaction)]),
    deserialize: (text) => {
      const outer = listedText.deserialize(text);
      if (isLeft(outer)) return outer;
      const [instance, checkpointId, inner] = outer.right;
      const transaction = txn.deserialize(inner);
      return isLeft(transaction) ? transaction : right({ instance, checkpointId: checkpointId ?? undefined, transaction: transaction.right });
    },
  };
}

export class TwoPhaseCommitSinkOperator<T, Txn> implements StreamOperator<T, never> {
  /** Set by open; creating it may fail, and then close has nothing to close. */
  private writer!: TwoPhaseCommitWriter<T, Txn>;
  private context!: OperatorContext;
  private current: Txn | undefined;
  private buffer: T[] = [];
  /** Pre-committed transactions of this instance, oldest first, each waiting for its checkpoint to complete. */
  private pending: Array<{ readonly checkpointId: number; readonly transaction: Txn }> = [];
  private pendingState!: ListState<ListedTransaction<Txn>>;
  private currentState!: ListState<ListedTransaction<Txn>>;

  constructor(private readonly sink: TwoPhaseCommitSink<T, Txn>) {}

  async open(context: OperatorContext, _output: Output<never>): Promise<void> {
    this.context = context;
    this.writer = this.sink.createWriter({
      index: context.index,
      parallelism: context.parallelism,
      jobName: context.jobName,
      restoredCheckpointId: context.restoredCheckpointId,
      ...(context.epoch === undefined ? {} : { epoch: context.epoch }),
      logger: context.logger,
      toApplication: context.toApplication,
      fromApplication: context.fromApplication,
    });
    await this.writer.open?.();
    const serializer = listedSerializer(this.sink.transactionSerializer);
    this.pendingState = context.operatorState.getUnionListState(new ListStateDescriptor('two-phase-commit-pending', serializer));
    this.currentState = context.operatorState.getUnionListState(new ListStateDescriptor('two-phase-commit-current', serializer));
    if (context.isRestored) await this.recover();
    // A run that failed before its first checkpoint completed left transactions no checkpoint
    // lists: a fresh start ends them too (a process killed that early restarts without state).
    else await this.writer.abortLingering?.([]);
    this.current = await this.writer.beginTransaction();
  }

  /** Commits this instance's share of the restored pre-committed transactions, aborts its share of the open ones, then ends leftovers. */
  private async recover(): Promise<void> {
    const { index, parallelism } = this.context;
    const promised = this.pendingState.get();
    const open = this.currentState.get();
    const mine = (l: ListedTransaction<Txn>) => l.instance % parallelism === index;
    for (const p of promised.filter(mine)) await (this.writer.recoverAndCommit ?? this.writer.commit).call(this.writer, p.transaction);
    for (const o of open.filter(mine)) await (this.writer.recoverAndAbort ?? this.writer.abort).call(this.writer, o.transaction);
    await this.writer.abortLingering?.([...promised, ...open].map((l) => l.transaction));
    this.pendingState.clear();
    this.currentState.clear();
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
    const txn = this.current;
    if (txn !== undefined) {
      // From here the transaction is the checkpoint's: a close while it pre-commits must not abort it.
      this.current = undefined;
      await this.writer.preCommit(txn);
      this.pending.push({ checkpointId, transaction: txn });
      // After the final snapshot nothing more is written: no new transaction.
      if (checkpointId !== FINAL_CHECKPOINT) this.current = await this.writer.beginTransaction();
    }
    const { index } = this.context;
    this.pendingState.update(this.pending.map((p) => ({ instance: index, ...p })));
    this.currentState.update(this.current === undefined ? [] : [{ instance: index, checkpointId: undefined, transaction: this.current }]);
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
    if ((this.writer as TwoPhaseCommitWriter<T, Txn> | undefined) === undefined) return;
    // Pre-committed transactions stay: a restore commits them. Only the open one is abandoned.
    try {
      if (this.current !== undefined) await this.writer.abort(this.current);
    } finally {
      // Even when the abort failed: the writer's handles must not outlive the task.
      await this.writer.close?.();
    }
  }
}
