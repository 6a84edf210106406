/**
 * Writes records to standard output, one line each; with parallelism above 1, prefixed by
 * the instance number as Flink's print() does (`2> record`).
 */
import { Sink, SinkContext, SinkWriter } from '../graph/Sink';

export function formatRecord(record: unknown): string {
  return typeof record === 'string' ? record : JSON.stringify(record) ?? String(record);
}

/** Prints each record on a line of standard output (`stream.print()`). */
export class PrintSink<T> implements Sink<T> {
  readonly name = 'Print Sink';
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(line)) {}
  /** Called by the runtime: one writer per parallel instance, created in its task. */
  createWriter({ index, parallelism }: SinkContext): SinkWriter<T> {
    const prefix = parallelism > 1 ? `${index + 1}> ` : '';
    const write = this.write;
    return {
      write(records) {
        let text = '';
        for (const r of records) text += `${prefix}${formatRecord(r)}\n`;
        write(text);
      },
    };
  }
}
