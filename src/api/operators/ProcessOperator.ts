/** Runs a ProcessFunction on a non-keyed stream. */
import { OperatorContext } from '../../graph/StreamOperator';
import { ProcessContext, ProcessFunction } from '../ProcessFunction';
import { asyncResultRefused, isThenable } from './asyncResultRefused';
import { FunctionOperator } from './FunctionOperator';
import { sideOutputEmitter } from './sideOutputs';

export class ProcessOperator<I, O> extends FunctionOperator<I, O> {
  private processContext!: ProcessContext;
  private watermark = Number.NEGATIVE_INFINITY;
  constructor(private readonly fn: ProcessFunction<I, O>) {
    super(fn);
  }
  protected override onOpen(context: OperatorContext): void {
    const time = context.time;
    this.processContext = {
      output: sideOutputEmitter(context.operatorName, this.fn.sideOutputTags, () => this.out),
      timestamp: () => (Number.isNaN(time.timestamp) ? undefined : time.timestamp),
      currentWatermark: () => this.watermark,
    };
  }
  /** Kept for `ctx.currentWatermark()`, and passed on. */
  processWatermark(watermark: number): void {
    this.watermark = watermark;
    this.out.emitWatermark(watermark);
  }
  processElement(record: I): void {
    const result: unknown = this.fn.processElement(record, this.processContext, this.out);
    if (result !== undefined && isThenable(result)) throw asyncResultRefused('process', result);
  }
}
