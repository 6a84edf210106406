/**
 * A two-input function seen as a one-input process function over tagged records, so the
 * existing process operators (keyed state, timers, side outputs, checkpoints) run it.
 * Lifecycle calls (open, close, initializeState, snapshotState) go to the user's function.
 */
import { Key } from '../../state/keyHash';
import { CheckpointedFunction, FunctionInitializationContext, FunctionSnapshotContext } from '../CheckpointedFunction';
import { CoProcessFunction, KeyedCoProcessFunction } from '../CoProcessFunction';
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext, ProcessContext, ProcessFunction } from '../ProcessFunction';
import { RichFunction, RuntimeContext } from '../RuntimeContext';
import { OutputTag } from '../OutputTag';
import { TwoInputRecord } from '../TwoInputRecord';
import { Collector } from '../functions';

type Lifecycle = RichFunction & CheckpointedFunction;
type OnTimer<K, O> = (timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>) => void;

export class CoProcessAdapter<I1, I2, O> extends ProcessFunction<TwoInputRecord<I1, I2>, O> {
  override readonly sideOutputTags: readonly OutputTag<any>[];
  constructor(private readonly fn: CoProcessFunction<I1, I2, O>) {
    super();
    this.sideOutputTags = fn.sideOutputTags;
  }
  processElement(r: TwoInputRecord<I1, I2>, ctx: ProcessContext, out: Collector<O>): void {
    if (r.input === 1) this.fn.processElement1(r.value, ctx, out);
    else this.fn.processElement2(r.value, ctx, out);
  }
  open(ctx: RuntimeContext) {
    return (this.fn as Lifecycle).open?.(ctx);
  }
  close() {
    return (this.fn as Lifecycle).close?.();
  }
  initializeState(ctx: FunctionInitializationContext) {
    return (this.fn as Lifecycle).initializeState?.(ctx);
  }
  snapshotState(ctx: FunctionSnapshotContext) {
    return (this.fn as Lifecycle).snapshotState?.(ctx);
  }
}

export class KeyedCoProcessAdapter<K extends Key, I1, I2, O> extends KeyedProcessFunction<K, TwoInputRecord<I1, I2>, O> {
  override readonly sideOutputTags: readonly OutputTag<any>[];
  /** Defined only when the user's function has onTimer, so the operator skips timers otherwise. */
  readonly onTimer: OnTimer<K, O> | undefined;
  constructor(private readonly fn: KeyedCoProcessFunction<K, I1, I2, O>) {
    super();
    this.sideOutputTags = fn.sideOutputTags;
    this.onTimer = (fn as { onTimer?: OnTimer<K, O> }).onTimer?.bind(fn);
  }
  processElement(r: TwoInputRecord<I1, I2>, ctx: KeyedProcessContext<K>, out: Collector<O>): void {
    if (r.input === 1) this.fn.processElement1(r.value, ctx, out);
    else this.fn.processElement2(r.value, ctx, out);
  }
  open(ctx: RuntimeContext) {
    return (this.fn as Lifecycle).open?.(ctx);
  }
  close() {
    return (this.fn as Lifecycle).close?.();
  }
  initializeState(ctx: FunctionInitializationContext) {
    return (this.fn as Lifecycle).initializeState?.(ctx);
  }
  snapshotState(ctx: FunctionSnapshotContext) {
    return (this.fn as Lifecycle).snapshotState?.(ctx);
  }
}
