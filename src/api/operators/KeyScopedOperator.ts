/**
 * Wraps an operator that runs on a keyed stream but does not know about keys (a map, a
 * filter, a plain process function): sets the record's key before the operator sees it, so
 * its function may use keyed state, as in Flink.
 */
import { KeySelector } from '../../graph/Partitioning';
import { KeyedStateBackend } from '../../state/KeyedStateBackend';
import { OperatorContext, Output, StreamOperator } from '../../graph/StreamOperator';
import { CheckpointId } from '../../checkpoint/CheckpointTypes';

export class KeyScopedOperator<I, O> implements StreamOperator<I, O> {
  private state!: KeyedStateBackend;
  /** Present only when the inner operator handles watermarks, so that they pass through otherwise. */
  readonly processWatermark: ((watermark: number) => void) | undefined;
  constructor(private readonly inner: StreamOperator<I, O>, private readonly keySelector: KeySelector<I>) {
    this.processWatermark = inner.processWatermark?.bind(inner);
  }
  open(context: OperatorContext, output: Output<O>): void | Promise<void> {
    this.state = context.keyedState!;
    return this.inner.open(context, output);
  }
  processElement(record: I): void {
    this.state.setCurrentKey(this.keySelector(record));
    this.inner.processElement(record);
  }
  endOfBatch(): void | Promise<void> {
    return this.inner.endOfBatch?.();
  }
  finish(): void | Promise<void> {
    return this.inner.finish?.();
  }
  snapshotState(checkpointId: CheckpointId): void | Promise<void> {
    return this.inner.snapshotState?.(checkpointId);
  }
  notifyCheckpointComplete(checkpointId: CheckpointId): void | Promise<void> {
    return this.inner.notifyCheckpointComplete?.(checkpointId);
  }
  close(): void | Promise<void> {
    return this.inner.close?.();
  }
}
