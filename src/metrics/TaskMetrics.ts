/**
 * What a task measures about itself and reports when the job master asks: cumulative counts
 * and times, read by the job's sampler (JobMetricsSampler) about once a second, which turns
 * them into rates. Counting happens per batch and per message, never per record with an
 * allocation: the task's report is built only when asked.
 */
import { absurd } from 'fp-ts/function';
import { TaskId } from '../checkpoint/TaskId';
import { OperatorCounters } from './TaskCounters';
import { UserMetricValue } from './MetricGroup';

/**
 * The busy time of all tasks of a job on one thread, added up. Tasks share the thread: a task
 * ready to run waits while others are busy, and this tells it how much of its wait they took.
 * One per job and thread; metrics only, never read by the tasks' logic.
 */
export interface ThreadLedger {
  busyMs: number;
}

/** Why a task waits after handling a message. */
export type Wait = 'forInput' | 'forCredit' | 'forThread';

/**
 * Where a task's time goes, as Flink splits it: busy (handling a message), back-pressured
 * (waiting for its consumers) or idle (waiting for input). A task is busy from the moment it
 * takes a message until the message is handled (an awaited sink write included). The wait
 * after it is back-pressured when the output gate is full; idle when the task has nothing to
 * do; and when the task has its own next step scheduled (a source's next read) it waits for
 * the thread: the part of that wait other tasks of the job were busy counts as back-pressured
 * (on one thread, a source that outruns its consumers waits for them this way, with credit to
 * spare), the rest, the actor system's own turn, as busy.
 */
export class TaskTimeAccount {
  busyMs = 0;
  backPressuredMs = 0;
  idleMs = 0;
  private since: number;
  private wait: Wait = 'forInput';
  /** The ledger's busy time when the wait began. */
  private othersBusyAtWait = 0;

  constructor(now: number, private readonly ledger: ThreadLedger) {
    this.since = now;
  }

  /** The task takes a message: the wait that ends now is counted. */
  startWork(now: number): void {
    const waited = now - this.since;
    switch (this.wait) {
      case 'forInput':
        this.idleMs += waited;
        break;
      case 'forCredit':
        this.backPressuredMs += waited;
        break;
      case 'forThread': {
        const others = Math.min(waited, Math.max(0, this.ledger.busyMs - this.othersBusyAtWait));
        this.backPressuredMs += others;
        this.busyMs += waited - others;
        break;
      }
      default:
        return absurd(this.wait);
    }
    this.since = now;
  }

  /** The message is handled; `wait` says what the task waits for now. */
  endWork(now: number, wait: Wait): void {
    const busy = now - this.since;
    this.busyMs += busy;
    this.ledger.busyMs += busy;
    this.since = now;
    this.wait = wait;
    this.othersBusyAtWait = this.ledger.busyMs;
  }
}

/** Per operator of a chain: what Flink counts per operator beyond records in and out. */
export interface OperatorMetrics {
  /** Records dropped as late by a window without a late-data side output. */
  lateRecordsDropped: number;
}

export interface OperatorReport extends OperatorCounters {
  readonly name: string;
  readonly lateRecordsDropped: number;
  readonly user: readonly UserMetricValue[];
}

/** How far a source's reader trails one partition of a log it reads (Kafka's consumer lag). */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Records in the partition the reader has not emitted yet, as of its last fetch. */
  readonly lag: number;
}

/** One task's answer to `task.metrics`: cumulative figures, as of `at` (performance.now() ms). */
export interface TaskMetricsReport {
  readonly task: TaskId;
  readonly at: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** Cumulative ms; undefined when the job runs without metrics (no time accounting). */
  readonly time: { readonly busyMs: number; readonly backPressuredMs: number; readonly idleMs: number } | undefined;
  readonly inputQueued: number;
  readonly inputCapacity: number;
  readonly outputBuffered: number;
  readonly outputCapacity: number;
  /** -Infinity before the first watermark; Infinity after the end of input. */
  readonly inputWatermark: number;
  readonly outputWatermark: number;
  readonly stateKeys: number | undefined;
  /** Bytes of keyed state where the backend knows them (KeyedStateBackend.stateSizeBytes). */
  readonly stateBytes: number | undefined;
  /** A source reading a partitioned log: its lag per partition; undefined for other tasks. */
  readonly partitionLag: readonly PartitionLag[] | undefined;
  readonly cache: { readonly entries: number; readonly hits: number; readonly misses: number } | undefined;
  readonly operators: readonly OperatorReport[];
}

/** The keys most frequent among the records a task processed while asked (the stall diagnosis). */
export interface HotKeys {
  readonly task: TaskId;
  /** Records whose keys were counted. */
  readonly sampled: number;
  readonly keys: ReadonlyArray<{ readonly key: string; readonly count: number }>;
}

/** Records a hot-keys sample counts before it answers, and the longest it takes. */
export const HOT_KEY_SAMPLE_RECORDS = 2048;
export const HOT_KEY_SAMPLE_MS = 1000;

/**
 * Counts keys of the records a task processes, batch by batch, from the moment it is asked
 * until it has seen HOT_KEY_SAMPLE_RECORDS records or HOT_KEY_SAMPLE_MS have passed. Only
 * exists while a request is open: a task that is not asked checks one field per batch.
 */
export class KeySample {
  private readonly counts = new Map<string, number>();
  private sampled = 0;
  private readonly until: number;

  constructor(now: number, private readonly limit: number) {
    this.until = now + HOT_KEY_SAMPLE_MS;
  }

  /** Counts the keys of a batch; true once the sample is complete. */
  add(records: readonly unknown[], selector: (r: unknown) => unknown, now: number): boolean {
    for (let i = 0; i < records.length; i++) {
      let k: unknown;
      try {
        k = selector(records[i]);
      } catch {
        // The record's failure is the operator's to report when it gets there.
        continue;
      }
      const key = typeof k === 'string' ? k : JSON.stringify(k) ?? String(k);
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      this.sampled++;
    }
    return this.done(now);
  }

  done(now: number): boolean {
    return this.sampled >= HOT_KEY_SAMPLE_RECORDS || now >= this.until;
  }

  result(task: TaskId): HotKeys {
    const sorted = [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, this.limit);
    return { task, sampled: this.sampled, keys: sorted.map(([key, count]) => ({ key, count })) };
  }
}
