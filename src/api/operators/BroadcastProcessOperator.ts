/** Runs a BroadcastProcessFunction: elements of input 1 with read-only broadcast state, broadcast elements with writable. */
import { OperatorContext } from '../../graph/StreamOperator';
import { MapStateDescriptor } from '../../state/StateDescriptor';
import { BroadcastContext, BroadcastProcessFunction, ReadOnlyContext } from '../BroadcastProcessFunction';
import { TwoInputRecord } from '../TwoInputRecord';
import { asyncResultRefused, isThenable } from './asyncResultRefused';
import { BroadcastStates } from './BroadcastStates';
import { FunctionOperator } from './FunctionOperator';
import { sideOutputEmitter } from './sideOutputs';

export class BroadcastProcessOperator<I1, I2, O> extends FunctionOperator<TwoInputRecord<I1, I2>, O> {
  private elementContext!: ReadOnlyContext;
  private broadcastContext!: BroadcastContext;
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(private readonly fn: BroadcastProcessFunction<I1, I2, O>, private readonly descriptors: readonly MapStateDescriptor<any, any>[]) {
    super(fn);
  }

  protected override onOpen(context: OperatorContext): void {
    const states = new BroadcastStates(context.operatorState, this.descriptors, context.operatorName);
    const time = context.time;
    const base = {
      output: sideOutputEmitter(context.operatorName, this.fn.sideOutputTags, () => this.out),
      timestamp: () => (Number.isNaN(time.timestamp) ? undefined : time.timestamp),
      currentProcessingTime: () => context.processingTime.now(),
      currentWatermark: () => this.watermark,
    };
    this.elementContext = { ...base, getBroadcastState: (d) => states.forElementSide(d) };
    this.broadcastContext = { ...base, getBroadcastState: (d) => states.forBroadcastSide(d) };
  }

  processWatermark(watermark: number): void {
    this.watermark = watermark;
    this.out.emitWatermark(watermark);
  }

  processElement(r: TwoInputRecord<I1, I2>): void {
    const result: unknown =
      r.input === 1 ? this.fn.processElement(r.value, this.elementContext, this.out) : this.fn.processBroadcastElement(r.value, this.broadcastContext, this.out);
    if (result !== undefined && isThenable(result)) throw asyncResultRefused('process', result);
  }
}
