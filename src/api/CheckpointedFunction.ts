/**
 * For functions that keep state in their own fields (a buffer, a counter) rather than in
 * state primitives: `initializeState` runs before `open` (read back what was restored),
 * `snapshotState` runs at each checkpoint barrier (write the fields into state), as Flink's
 * CheckpointedFunction.
 *
 * @example
 * class Buffering implements CheckpointedFunction {
 *   private buffer: string[] = [];
 *   private saved!: ListState<string>;
 *   initializeState(ctx: FunctionInitializationContext) {
 *     this.saved = ctx.getOperatorListState(new ListStateDescriptor('buffer', Serializers.string));
 *     this.buffer = ctx.isRestored ? this.saved.get() : [];
 *   }
 *   snapshotState() { this.saved.update(this.buffer); }
 *   ...
 * }
 */
import { CheckpointId } from '../checkpoint/CheckpointTypes';
import { RuntimeContext } from './RuntimeContext';

/** What `initializeState` sees: the runtime context, and whether state was restored. */
export interface FunctionInitializationContext extends RuntimeContext {
  /** True when the job restarted from a checkpoint and state was restored. */
  readonly isRestored: boolean;
}

/** What `snapshotState` sees: the checkpoint being taken. */
export interface FunctionSnapshotContext {
  readonly checkpointId: CheckpointId;
}

/**
 * A function that keeps state in its own fields and moves it into operator state for checkpoints (Flink's
 * CheckpointedFunction).
 */
export interface CheckpointedFunction {
  /** Before the first record: get the operator state and, when restored, read it back into the fields. */
  initializeState?(context: FunctionInitializationContext): void | Promise<void>;
  /** At each checkpoint: write the fields into the operator state the checkpoint takes. */
  snapshotState?(context: FunctionSnapshotContext): void | Promise<void>;
}
