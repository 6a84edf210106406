/** Runs a KeyedProcessFunction: state accesses refer to the current record's key; timers call onTimer. */
import { KeySelector } from '../../graph/Partitioning';
import { OperatorContext } from '../../graph/StreamOperator';
import { userFunctionFailed } from '../../runtime/UserFunctionFailed';
import { Key } from '../../state/keyHash';
import { Timer } from '../../state/KeyedTimerService';
import { Collector } from '../../graph/Collector';
import { KeyedProcessFunction, OnTimerContext, TimerService } from '../ProcessFunction';
import { asyncResultRefused, isThenable } from './asyncResultRefused';
import { KeyedOperator } from './KeyedOperator';
import { sideOutputEmitter } from './sideOutputs';

type OnTimer<K, O> = (timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>) => void;

export class KeyedProcessOperator<K extends Key, I, O> extends KeyedOperator<I, O> {
  /** What processElement and onTimer see; a subclass may extend it in onOpen. */
  protected processContext!: OnTimerContext<K>;
  protected currentKey: K | undefined;
  private domain: 'event' | 'processing' = 'event';
  private onTimerFunction: OnTimer<K, O> | undefined;

  constructor(private readonly fn: KeyedProcessFunction<K, I, O>, keySelector: KeySelector<I>) {
    super(fn, keySelector);
  }

  protected override onOpen(context: OperatorContext): void {
    super.onOpen(context);
    this.onTimerFunction = (this.fn as { onTimer?: OnTimer<K, O> }).onTimer?.bind(this.fn);
    const timers = this.timers;
    const timerService: TimerService = {
      currentProcessingTime: () => context.processingTime.now(),
      currentWatermark: () => timers.currentWatermark(),
      registerEventTimeTimer: (t) => timers.registerEventTimeTimer('', t),
      registerProcessingTimeTimer: (t) => timers.registerProcessingTimeTimer('', t),
      deleteEventTimeTimer: (t) => timers.deleteEventTimeTimer('', t),
      deleteProcessingTimeTimer: (t) => timers.deleteProcessingTimeTimer('', t),
    };
    const time = context.time;
    this.processContext = {
      output: sideOutputEmitter(context.operatorName, this.fn.sideOutputTags, () => this.out),
      timestamp: () => (Number.isNaN(time.timestamp) ? undefined : time.timestamp),
      currentWatermark: () => timers.currentWatermark(),
      getCurrentKey: () => this.currentKey as K,
      timerService: () => timerService,
      timeDomain: () => this.domain,
    };
  }

  protected override onTimer(timer: Timer): void {
    const onTimer = this.onTimerFunction;
    const context = this.context;
    if (onTimer === undefined) return;
    this.currentKey = timer.key as K;
    this.domain = timer.domain;
    // What onTimer emits carries the timer's time, for event-time timers (as in Flink).
    context.time.timestamp = timer.domain === 'event' ? timer.time : NaN;
    try {
      onTimer(timer.time, this.processContext, this.out);
    } catch (e) {
      throw userFunctionFailed(context.operatorName, context.index, undefined, e, `in onTimer(${timer.time})`);
    }
  }

  processElement(record: I): void {
    this.currentKey = this.enterKey(record) as K;
    const result: unknown = this.fn.processElement(record, this.processContext, this.out);
    if (result !== undefined && isThenable(result)) throw asyncResultRefused('process', result);
  }
}
