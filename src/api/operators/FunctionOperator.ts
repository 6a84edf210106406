/**
 * The common part of operators that run one user function: hold the output and context,
 * and pass the function's open/close through.
 */
import { OperatorContext, Output, StreamOperator } from '../../graph/StreamOperator';
import { RichFunction, runtimeContextOf } from '../RuntimeContext';
import { CheckpointId } from '../../checkpoint/CheckpointTypes';
import { CheckpointedFunction } from '../CheckpointedFunction';

export abstract class FunctionOperator<I, O> implements StreamOperator<I, O> {
  protected out!: Output<O>;
  protected context!: OperatorContext;

  private readonly rich: RichFunction;
  /** `fn` may define open/close (a RichFunction); a plain function or class defines neither. */
  constructor(fn: object) {
    this.rich = fn as RichFunction;
  }

  async open(context: OperatorContext, output: Output<O>): Promise<void> {
    this.context = context;
    this.out = output;
    this.onOpen(context);
    const runtimeContext = runtimeContextOf(context);
    await this.checkpointed.initializeState?.({ ...runtimeContext, isRestored: context.isRestored });
    await this.rich.open?.(runtimeContext);
  }

  /** Lets a CheckpointedFunction move its own fields into its state before the snapshot. */
  snapshotState(checkpointId: CheckpointId): void | Promise<void> {
    return this.checkpointed.snapshotState?.({ checkpointId });
  }

  private get checkpointed(): CheckpointedFunction {
    return this.rich as CheckpointedFunction;
  }

  /** Operator's own set-up, before the user function's open. */
  protected onOpen(_context: OperatorContext): void {}

  abstract processElement(record: I): void;

  close(): void | Promise<void> {
    return this.rich.close?.();
  }
}
