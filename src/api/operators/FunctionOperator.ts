/**
 * The common part of operators that run one user function: hold the output and context,
 * and pass the function's open/close through.
 */
import { OperatorContext, Output, StreamOperator } from '../../runtime/StreamOperator';
import { RichFunction, runtimeContextOf } from '../RuntimeContext';

export abstract class FunctionOperator<I, O> implements StreamOperator<I, O> {
  protected out!: Output<O>;
  protected context!: OperatorContext;

  private readonly rich: RichFunction;
  /** `fn` may define open/close (a RichFunction); a plain function or class defines neither. */
  constructor(fn: object) {
    this.rich = fn as RichFunction;
  }

  open(context: OperatorContext, output: Output<O>): void | Promise<void> {
    this.context = context;
    this.out = output;
    this.onOpen(context);
    return this.rich.open?.(runtimeContextOf(context));
  }

  /** Operator's own set-up, before the user function's open. */
  protected onOpen(_context: OperatorContext): void {}

  abstract processElement(record: I): void;

  close(): void | Promise<void> {
    return this.rich.close?.();
  }
}
