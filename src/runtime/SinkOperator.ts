/**
 * Runs a sink writer as the last operator of a chain: gathers the records of one input batch
 * and writes them as one batch; the task waits for an asynchronous write before it grants
 * credit upstream, so a slow sink slows the sources.
 */
import { Sink, SinkWriter } from '../graph/Sink';
import { OperatorContext, Output, StreamOperator } from '../graph/StreamOperator';

export class SinkOperator<T> implements StreamOperator<T, never> {
  private writer!: SinkWriter<T>;
  private buffer: T[] = [];
  constructor(private readonly sink: Sink<T>) {}

  open(context: OperatorContext, _output: Output<never>): void | Promise<void> {
    this.writer = this.sink.createWriter({ index: context.index, parallelism: context.parallelism, jobName: context.jobName, actor: context.actor, logger: context.logger, toApplication: context.toApplication, fromApplication: context.fromApplication });
    return this.writer.open?.();
  }
  processElement(record: T): void {
    this.buffer.push(record);
  }
  endOfBatch(): void | Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    return this.writer.write(batch);
  }
  async finish(): Promise<void> {
    await this.endOfBatch();
    await this.writer.finish?.();
  }
  close(): void | Promise<void> {
    return this.writer?.close?.();
  }
}
