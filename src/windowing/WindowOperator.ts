/**
 * The window operator (keyed): puts each element into its windows' accumulators (merging
 * session windows), asks the trigger what to do, emits results with the window's end as
 * timestamp, sends elements of windows past their allowed lateness to the late-data side
 * output, and drops a window's state once the watermark passes its end plus the lateness.
 * Window contents, trigger state and timers are keyed state: they are in every checkpoint.
 */
import { KeySelector } from '../graph/Partitioning';
import { OperatorContext } from '../runtime/StreamOperator';
import { Key } from '../state/keyHash';
import { Timer } from '../state/KeyedTimerService';
import { Serializers } from '../state/Serializer';
import { MapState } from '../state/State';
import { MapStateDescriptor } from '../state/StateDescriptor';
import { KeyedOperator } from '../api/operators/KeyedOperator';
import { sideOutputEmitter } from '../api/operators/sideOutputs';
import { OutputTag } from '../api/OutputTag';
import { WindowContents, WindowContext } from './ProcessWindowFunction';
import { Trigger, TriggerContext, TriggerResult, TriggerState } from './Trigger';
import { TimeWindow, Window, windowFromId } from './Window';
import { WindowAssigner } from './WindowAssigner';

export interface WindowOperatorSpec<IN, ACC, OUT, KEY> {
  readonly assigner: WindowAssigner;
  readonly trigger: Trigger<IN> | undefined;
  readonly allowedLatenessMs: number;
  readonly lateDataTag: OutputTag<IN> | undefined;
  readonly contents: WindowContents<IN, ACC, OUT, KEY, Window>;
  readonly sideOutputTags: readonly OutputTag<unknown>[];
}

export class WindowOperator<IN, ACC, OUT, KEY extends Key> extends KeyedOperator<IN, OUT> {
  /** Window id -> accumulator, for the current key. */
  private windows!: MapState<string, ACC>;
  private triggerState!: MapState<string, unknown>;
  private trigger!: Trigger<IN>;
  private key!: KEY;
  private window!: Window;
  private windowContext!: WindowContext<Window>;
  private triggerContext!: TriggerContext;

  constructor(private readonly spec: WindowOperatorSpec<IN, ACC, OUT, KEY>, keySelector: KeySelector<IN>) {
    super({}, keySelector);
  }

  protected override onOpen(context: OperatorContext): void {
    super.onOpen(context);
    this.trigger = this.spec.trigger ?? this.spec.assigner.defaultTrigger<IN>();
    this.windows = this.state.getMapState(new MapStateDescriptor('window-contents', Serializers.string, Serializers.json<ACC>()));
    this.triggerState = this.state.getMapState(new MapStateDescriptor('window-trigger-state', Serializers.string, Serializers.json<unknown>()));
    const timers = this.timers;
    const output = sideOutputEmitter(context.operatorName, this.spec.sideOutputTags, () => this.out);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.windowContext = {
      get window() {
        return self.window;
      },
      currentWatermark: () => timers.currentWatermark(),
      currentProcessingTime: () => context.processingTime.now(),
      output,
    };
    this.triggerContext = {
      currentWatermark: () => timers.currentWatermark(),
      currentProcessingTime: () => context.processingTime.now(),
      registerEventTimeTimer: (t) => timers.registerEventTimeTimer(self.window.id, t),
      registerProcessingTimeTimer: (t) => timers.registerProcessingTimeTimer(self.window.id, t),
      deleteEventTimeTimer: (t) => timers.deleteEventTimeTimer(self.window.id, t),
      deleteProcessingTimeTimer: (t) => timers.deleteProcessingTimeTimer(self.window.id, t),
      getState: <V>(name: string): TriggerState<V> => {
        const id = () => `${self.window.id}|${name}`;
        return {
          get: () => self.triggerState.get(id()) as V | undefined,
          set: (v) => self.triggerState.put(id(), v),
          clear: () => self.triggerState.remove(id()),
        };
      },
    };
  }

  private cleanupTime(window: Window): number {
    if (window.kind === 'global') return Infinity;
    return this.spec.assigner.isEventTime ? window.maxTimestamp() + this.spec.allowedLatenessMs : window.maxTimestamp();
  }

  private isLate(window: Window): boolean {
    return this.spec.assigner.isEventTime && this.cleanupTime(window) <= this.timers.currentWatermark();
  }

  processElement(record: IN): void {
    this.key = this.enterKey(record) as KEY;
    const time = this.context.time;
    const timestamp = this.spec.assigner.isEventTime ? time.timestamp : this.context.processingTime.now();
    if (Number.isNaN(timestamp)) {
      throw new Error(`operator '${this.context.operatorName}': an event-time window needs timestamps; call assignTimestampsAndWatermarks(...) before it`);
    }
    let windows = this.spec.assigner.assignWindows(timestamp);
    const contents = this.spec.contents;
    let mergedAcc: ACC | undefined;
    if (this.spec.assigner.merging) {
      const merged = this.mergeSessions(windows[0] as TimeWindow);
      windows = [merged.window];
      mergedAcc = merged.acc;
    }
    let accepted = false;
    for (const window of windows) {
      if (this.isLate(window)) continue;
      accepted = true;
      this.window = window;
      const previous = mergedAcc ?? this.windows.get(window.id) ?? contents.createAccumulator();
      this.windows.put(window.id, contents.add(record, previous));
      this.act(this.trigger.onElement(record, timestamp, window, this.triggerContext), window);
      this.registerCleanup(window);
    }
    if (!accepted && this.spec.lateDataTag !== undefined) this.out.collectSide(this.spec.lateDataTag.id, record);
    // The record's own timestamp again for whatever comes after in the chain.
    time.timestamp = this.spec.assigner.isEventTime ? timestamp : time.timestamp;
  }

  /**
   * A session window for the new element, merged with every window of the key it overlaps
   * (existing windows of a key never overlap each other); the old ones are cleared.
   */
  private mergeSessions(fresh: TimeWindow): { window: TimeWindow; acc: ACC | undefined } {
    let window = fresh;
    let acc: ACC | undefined;
    const contents = this.spec.contents;
    for (const [id, entry] of this.windows.entries()) {
      const existing = windowFromId(id);
      if (existing.kind !== 'time' || !existing.intersects(fresh)) continue;
      window = window.cover(existing);
      acc = acc === undefined ? entry : contents.merge(acc, entry);
      this.clearWindow(existing);
    }
    return { window, acc };
  }

  private act(result: TriggerResult, window: Window): void {
    if (result === 'FIRE' || result === 'FIRE_AND_PURGE') this.emit(window);
    if (result === 'PURGE' || result === 'FIRE_AND_PURGE') this.windows.remove(window.id);
  }

  private emit(window: Window): void {
    const acc = this.windows.get(window.id);
    if (acc === undefined) return;
    this.window = window;
    this.context.time.timestamp = window.kind === 'time' ? window.maxTimestamp() : NaN;
    this.spec.contents.emit(this.key, this.windowContext, acc, this.out);
  }

  /** A timer at the window's cleanup time, in the assigner's time domain. */
  private registerCleanup(window: Window): void {
    const time = this.cleanupTime(window);
    if (time === Infinity) return;
    if (this.spec.assigner.isEventTime) this.timers.registerEventTimeTimer(window.id, time);
    else this.timers.registerProcessingTimeTimer(window.id, time);
  }

  private clearWindow(window: Window): void {
    this.window = window;
    this.windows.remove(window.id);
    this.trigger.clear(window, this.triggerContext);
    const time = this.cleanupTime(window);
    if (time === Infinity) return;
    if (this.spec.assigner.isEventTime) this.timers.deleteEventTimeTimer(window.id, time);
    else this.timers.deleteProcessingTimeTimer(window.id, time);
  }

  protected override onTimer(timer: Timer): void {
    this.key = timer.key as KEY;
    const window = windowFromId(timer.namespace);
    this.window = window;
    if (!this.windows.contains(window.id)) return;
    const result =
      timer.domain === 'event' ? this.trigger.onEventTime(timer.time, window, this.triggerContext) : this.trigger.onProcessingTime(timer.time, window, this.triggerContext);
    this.act(result, window);
    const cleanup = this.cleanupTime(window);
    const due = timer.domain === 'event' ? this.spec.assigner.isEventTime && timer.time === cleanup : !this.spec.assigner.isEventTime && timer.time === cleanup;
    if (due) this.clearWindow(window);
  }

}
