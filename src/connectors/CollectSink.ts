/**
 * Gathers records in memory for the process that runs the job; what `executeAndCollect()`
 * uses. It is a two-phase-commit sink: a transaction holds its records and commits them into
 * this sink object, which outlives task restarts like an external store would, so with
 * exactly-once checkpoints `records()` holds every record exactly once. Commits are
 * idempotent by transaction id. Meant for bounded jobs and tests; with checkpointing the
 * records must be JSON values (they are part of the checkpoint until committed).
 */
import { Serializers } from '../state/Serializer';
import { TwoPhaseCommitSink, TwoPhaseCommitWriter } from './TwoPhaseCommitSink';

export interface CollectTransaction<T> {
  readonly id: string;
  readonly instance: number;
  readonly records: T[];
}

let transactionCounter = 0;

/** Collects a job's output in memory, exactly once (a two-phase-commit sink): for tests and `executeAndCollect`. */
export class CollectSink<T> implements TwoPhaseCommitSink<T, CollectTransaction<T>> {
  readonly name = 'Collect Sink';
  readonly twoPhaseCommit = true;
  readonly transactionSerializer = Serializers.json<CollectTransaction<T>>();
  /** Committed transactions, in commit order. */
  private readonly committed = new Map<string, CollectTransaction<T>>();

  /** Called by the runtime: one writer per parallel instance, created in its task. */
  createWriter({ index }: { index: number }): TwoPhaseCommitWriter<T, CollectTransaction<T>> {
    return {
      beginTransaction: () => ({ id: `${process.pid}-${index}-${++transactionCounter}`, instance: index, records: [] }),
      write(transaction, records) {
        for (const r of records) transaction.records.push(r);
      },
      preCommit() {},
      commit: (transaction) => {
        if (!this.committed.has(transaction.id)) this.committed.set(transaction.id, transaction);
      },
      abort() {},
    };
  }

  /** The committed records, by writing instance, in commit order within each. */
  records(): T[] {
    const all = [...this.committed.values()];
    const instances = [...new Set(all.map((t) => t.instance))].sort((a, b) => a - b);
    return instances.flatMap((i) => all.filter((t) => t.instance === i).flatMap((t) => t.records));
  }
}
