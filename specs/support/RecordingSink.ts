/**
 * A sink for specs that records what each parallel instance received, in order, and can be
 * made slow to exercise backpressure.
 */
import { Sink, SinkWriter } from '../../src';

export class RecordingSink<T> implements Sink<T> {
  readonly name = 'Recording Sink';
  /** Records by sink instance, in arrival order. */
  readonly byInstance = new Map<number, T[]>();
  /** Called after each written batch with the number of records written so far, over all instances. */
  onWritten: (total: number) => void = () => {};
  private total = 0;

  constructor(private readonly delayMs = 0) {}

  createWriter({ index }: { index: number }): SinkWriter<T> {
    const mine: T[] = [];
    this.byInstance.set(index, mine);
    return {
      write: (records) => {
        const done = () => {
          for (const r of records) mine.push(r);
          this.total += records.length;
          this.onWritten(this.total);
        };
        if (this.delayMs === 0) return done();
        return new Promise<void>((resolve) => setTimeout(() => (done(), resolve()), this.delayMs));
      },
    };
  }

  all(): T[] {
    return [...this.byInstance.keys()].sort((a, b) => a - b).flatMap((i) => this.byInstance.get(i)!);
  }
}
