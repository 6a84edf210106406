/**
 * The common part of operators on a keyed stream: before each record, point keyed state at
 * the record's key; keyed timers that fire with watermarks and the clock.
 */
import { KeySelector } from '../../graph/Partitioning';
import { KeyedStateBackend } from '../../state/KeyedStateBackend';
import { KeyedTimerService, Timer } from '../../state/KeyedTimerService';
import { Key } from '../../state/keyHash';
import { OperatorContext } from '../../graph/StreamOperator';
import { FunctionOperator } from './FunctionOperator';

export abstract class KeyedOperator<I, O> extends FunctionOperator<I, O> {
  protected state!: KeyedStateBackend;
  protected timers!: KeyedTimerService;
  constructor(fn: object, protected readonly keySelector: KeySelector<I>) {
    super(fn);
  }
  protected override onOpen(context: OperatorContext): void {
    if (context.keyedState === undefined) throw new Error(`operator '${context.operatorName}' runs on a keyed stream but has no keyed state`);
    this.state = context.keyedState;
    this.timers = new KeyedTimerService(this.state, context.processingTime, (timer) => this.onTimer(timer));
  }

  /** A timer of this operator fired; its key is the current key. */
  protected onTimer(_timer: Timer): void {}

  processWatermark(watermark: number): void {
    this.timers.advanceWatermark(watermark);
    this.out.emitWatermark(watermark);
  }

  override close(): void | Promise<void> {
    this.timers?.dispose();
    return super.close();
  }
  /** Sets the current key for state and returns it. */
  protected enterKey(record: I): Key {
    const key = this.keySelector(record);
    this.state.setCurrentKey(key);
    return key;
  }
}
