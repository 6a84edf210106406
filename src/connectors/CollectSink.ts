/**
 * Gathers records in memory and hands them to the job's result when the job finishes; what
 * `executeAndCollect()` uses. Meant for bounded jobs and tests.
 */
import { Sink, SinkWriter } from './Sink';

export class CollectSink<T> implements Sink<T> {
  readonly name = 'Collect Sink';
  createWriter(): SinkWriter<T> {
    const records: T[] = [];
    return {
      write(batch) {
        for (const r of batch) records.push(r);
      },
      result: () => records,
    };
  }
}
