/**
 * A two-input function seen as a one-input process function over tagged records, so the
 * existing process operators (keyed state, timers, side outputs, checkpoints) run it. One
 * adapter serves both kinds: a CoProcessFunction under the ProcessOperator, a
 * KeyedCoProcessFunction under the KeyedProcessOperator. Lifecycle calls (open, close,
 * initializeState, snapshotState) go to the user's function.
 */
import { Key } from '../../state/keyHash';
import { CheckpointedFunction, FunctionInitializationContext, FunctionSnapshotContext } from '../CheckpointedFunction';
import { CoProcessFunction, KeyedCoProcessFunction } from '../CoProcessFunction';
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../ProcessFunction';
import { RichFunction, RuntimeContext } from '../RuntimeContext';
import { OutputTag } from '../../graph/OutputTag';
import { TwoInputRecord } from '../TwoInputRecord';
import { CollectorResult } from '../functions';
import { Collector } from '../../graph/Collector';

type Lifecycle = RichFunction & CheckpointedFunction;
type OnTimer<K, O> = (timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>) => void;
/** What both kinds share: a method per input (the keyed context is a plain context and more). */
type TwoInputFunction<K extends Key, I1, I2, O> = KeyedCoProcessFunction<K, I1, I2, O> | CoProcessFunction<I1, I2, O>;

export class CoProcessAdapter<K extends Key, I1, I2, O> extends KeyedProcessFunction<K, TwoInputRecord<I1, I2>, O> {
  override readonly sideOutputTags: readonly OutputTag<any>[];
  /** Defined only when the user's function has onTimer, so the operator skips timers otherwise. */
  readonly onTimer: OnTimer<K, O> | undefined;
  private readonly fn: KeyedCoProcessFunction<K, I1, I2, O>;
  constructor(fn: TwoInputFunction<K, I1, I2, O>) {
    super();
    // A CoProcessFunction's methods take a plain context, which the keyed one extends.
    this.fn = fn as KeyedCoProcessFunction<K, I1, I2, O>;
    this.sideOutputTags = fn.sideOutputTags;
    this.onTimer = (fn as { onTimer?: OnTimer<K, O> }).onTimer?.bind(fn);
  }
  /** Returns what the user's method returns, so that the operator refuses a Promise. */
  processElement(r: TwoInputRecord<I1, I2>, ctx: KeyedProcessContext<K>, out: Collector<O>): CollectorResult {
    return r.input === 1 ? this.fn.processElement1(r.value, ctx, out) : this.fn.processElement2(r.value, ctx, out);
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
