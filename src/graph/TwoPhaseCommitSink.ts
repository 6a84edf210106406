/**
 * The two-phase-commit sink interface (Flink's TwoPhaseCommitSinkFunction): records go into a
 * transaction; on a checkpoint barrier the transaction is pre-committed (durable, not
 * visible) and a new one begins; when the checkpoint completes, it is committed. After a
 * failure, transactions of the restored checkpoint are committed again (commit must be
 * idempotent) and the one in progress is aborted: the output holds every record exactly once.
 * Each restored transaction is recovered by exactly one instance, not necessarily the one that
 * began it: any writer of the sink must be able to commit or abort it from its handle alone.
 */
import { Serializer } from '../state/Serializer';
import { SinkContext } from './Sink';

/**
 * What one parallel instance of a two-phase-commit sink writes through: transactions, pre-committed on a barrier
 * and committed when the checkpoint completes.
 */
export interface TwoPhaseCommitWriter<T, Txn> {
  /** Before the first transaction: connect, open files. */
  open?(): void | Promise<void>;
  /** A new transaction, which the next records are written into. */
  beginTransaction(): Txn | Promise<Txn>;
  /** Writes one batch into the transaction, in order. */
  write(transaction: Txn, records: readonly T[]): void | Promise<void>;
  /** Makes the transaction durable, still invisible. */
  preCommit(transaction: Txn): void | Promise<void>;
  /** Makes it visible. Idempotent: may be called again for a transaction already committed. */
  commit(transaction: Txn): void | Promise<void>;
  /** Drops the transaction and what was written into it. */
  abort(transaction: Txn): void | Promise<void>;
  /** After restore, for transactions of the restored checkpoint (default: commit). */
  recoverAndCommit?(transaction: Txn): void | Promise<void>;
  /** After restore, for the transaction that was in progress (default: abort). */
  recoverAndAbort?(transaction: Txn): void | Promise<void>;
  /**
   * After restore: abort leftovers of transactions the checkpoint does not list (begun after
   * it), those of this instance's index and, after a scale-down, of former indexes j with
   * j mod parallelism = index. `known` lists every transaction of the restored checkpoint, of
   * all former instances: none of them may be aborted here, another instance may commit it.
   * On a start without a checkpoint it is called with `known` empty: a run that failed before
   * its first checkpoint completed may have left transactions open.
   */
  abortLingering?(known: readonly Txn[]): void | Promise<void>;
  /** Releases the writer's handles; called exactly once, also after failure or cancel. */
  close?(): void | Promise<void>;
}

/** A sink whose output holds each record exactly once with exactly-once checkpoints: see the module comment. */
export interface TwoPhaseCommitSink<T, Txn> {
  readonly name: string;
  readonly twoPhaseCommit: true;
  /** Writes transaction handles into checkpoints and reads them back. */
  readonly transactionSerializer: Serializer<Txn>;
  /** Called by the runtime: one writer per parallel instance, created in its task. */
  createWriter(context: SinkContext): TwoPhaseCommitWriter<T, Txn>;
  /** See Sink.fromTaskManager. */
  fromTaskManager?(message: unknown): void;
}

export function isTwoPhaseCommitSink<T>(sink: object): sink is TwoPhaseCommitSink<T, unknown> {
  return (sink as { twoPhaseCommit?: unknown }).twoPhaseCommit === true;
}
