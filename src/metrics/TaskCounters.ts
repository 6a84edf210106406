/**
 * Counters of a task and of a job. Counted per batch or per record with plain integer
 * increments on the hot path; aggregated by operator name when the job is asked.
 */

export interface OperatorCounters {
  recordsIn: number;
  recordsOut: number;
  /** Records skipped under the resume supervision directive; present only when some were. */
  deadLetters?: number;
}

/** One task's counters, by operator name. */
export interface TaskCounters {
  readonly task: string;
  readonly operators: { readonly [operator: string]: OperatorCounters };
}

/** A job's counters: per operator, summed over its parallel instances. */
export interface JobCounters {
  readonly operators: { readonly [operator: string]: OperatorCounters };
}

export function sumCounters(tasks: readonly TaskCounters[]): JobCounters {
  const operators: Record<string, OperatorCounters> = {};
  for (const t of tasks) {
    for (const [name, c] of Object.entries(t.operators)) {
      const acc = (operators[name] ??= { recordsIn: 0, recordsOut: 0 });
      acc.recordsIn += c.recordsIn;
      acc.recordsOut += c.recordsOut;
      if (c.deadLetters !== undefined) acc.deadLetters = (acc.deadLetters ?? 0) + c.deadLetters;
    }
  }
  return { operators };
}
