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

export interface FunctionInitializationContext extends RuntimeContext {
  /** True when the job restarted from a checkpoint and state was restored. */
  readonly isRestored: boolean;
}

export interface FunctionSnapshotContext {
  readonly checkpointId: CheckpointId;
}

export interface CheckpointedFunction {
  initializeState?(context: FunctionInitializationContext): void | Promise<void>;
  snapshotState?(context: FunctionSnapshotContext): void | Promise<void>;
}
