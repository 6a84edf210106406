/**
 * Gathers records in memory for the process that runs the job; what `executeAndCollect()`
 * uses. It is a two-phase-commit sink: a transaction holds its records and commits them into
 * this sink object, which outlives task restarts like an external store would, so with
 * exactly-once checkpoints `records()` holds every record exactly once. Commits are
 * idempotent by transaction id. Meant for bounded jobs and tests; with checkpointing the
 * records must be JSON values (they are part of the checkpoint until committed).
 *
 * With task managers on worker threads, a writer commits in its thread and sends the
 * committed transaction to this object in the application's thread (`fromTaskManager`), where
 * `records()` reads it; the job's outcome settles only after those messages (they come first
 * on the task manager's port). Transaction ids carry the thread, so a restarted thread's ids
 * never collide with a former one's.
 */
import { threadId } from 'worker_threads';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { Serializers } from '../state/Serializer';
import { TwoPhaseCommitSink, TwoPhaseCommitWriter } from '../graph/TwoPhaseCommitSink';

export interface CollectTransaction<T> {
  readonly id: string;
  readonly instance: number;
  readonly records: T[];
}

let transactionCounter = 0;

const TransactionCodec = t.type({ id: t.string, instance: t.number, records: t.array(t.unknown) });

/** Collects a job's output in memory, exactly once (a two-phase-commit sink): for tests and `executeAndCollect`. */
export class CollectSink<T> implements TwoPhaseCommitSink<T, CollectTransaction<T>> {
  readonly name = 'Collect Sink';
  readonly twoPhaseCommit = true;
  readonly transactionSerializer = Serializers.json<CollectTransaction<T>>();
  /** Committed transactions, in commit order. */
  private readonly committed = new Map<string, CollectTransaction<T>>();

  /** Called by the runtime: one writer per parallel instance, created in its task. */
  createWriter({ index, toApplication }: { index: number; toApplication?: (message: unknown) => void }): TwoPhaseCommitWriter<T, CollectTransaction<T>> {
    return {
      beginTransaction: () => ({ id: `${process.pid}-${threadId}-${index}-${++transactionCounter}`, instance: index, records: [] }),
      write(transaction, records) {
        for (const r of records) transaction.records.push(r);
      },
      preCommit() {},
      commit: (transaction) => {
        if (toApplication !== undefined) toApplication(transaction);
        else this.add(transaction);
      },
      abort() {},
    };
  }

  private add(transaction: CollectTransaction<T>): void {
    if (!this.committed.has(transaction.id)) this.committed.set(transaction.id, transaction);
  }

  /** A transaction a writer in a task manager committed. */
  fromTaskManager(message: unknown): void {
    const decoded = TransactionCodec.decode(message);
    if (isLeft(decoded)) throw new Error(`CollectSink: a task manager sent what is not a committed transaction: ${PathReporter.report(decoded).join('; ')}`);
    this.add(decoded.right as CollectTransaction<T>);
  }

  /** The committed records, by writing instance, in commit order within each. */
  records(): T[] {
    const all = [...this.committed.values()];
    const instances = [...new Set(all.map((t) => t.instance))].sort((a, b) => a - b);
    return instances.flatMap((i) => all.filter((t) => t.instance === i).flatMap((t) => t.records));
  }
}
