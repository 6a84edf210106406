/**
 * A keyed stream cut into windows: `keyBy(...).window(assigner)`, then a trigger, allowed
 * lateness and a late-data side output, and what to compute per window (reduce, aggregate,
 * process), as in Flink.
 *
 * @example
 * views.keyBy((v) => v.page)
 *   .window(TumblingEventTimeWindows.of(Time.seconds(10)))
 *   .allowedLateness(Time.seconds(5))
 *   .sideOutputLateData(late)
 *   .aggregate(countViews);
 */
import { DataStream, SingleOutputStream } from './DataStream';
import { OutputTag } from '../graph/OutputTag';
import { ReduceFunction, instanceCopy } from './functions';
import { Collector } from '../graph/Collector';
import { AggregateFunction } from '../state/StateDescriptor';
import { Key } from '../state/keyHash';
import { Duration, toMillis } from '../time/Time';
import { ProcessWindowFunction, WindowContents, WindowContext } from '../windowing/ProcessWindowFunction';
import { Evictor } from '../windowing/Evictor';
import { Trigger } from '../windowing/Trigger';
import { Window } from '../windowing/Window';
import { WindowAssigner } from '../windowing/WindowAssigner';
import { WindowOperator } from './operators/WindowOperator';

/** The result of a window, given to a ProcessWindowFunction as its only element. */
function withWindowFunction<IN, ACC, R, OUT, KEY>(
  base: Omit<WindowContents<IN, ACC, R, KEY, Window>, 'emit'> & { result(acc: ACC): R },
  fn: ProcessWindowFunction<R, OUT, KEY, Window> | undefined,
): WindowContents<IN, ACC, OUT, KEY, Window> {
  return {
    createAccumulator: () => base.createAccumulator(),
    add: (v, acc) => base.add(v, acc),
    merge: (a, b) => base.merge(a, b),
    emit: (key: KEY, ctx: WindowContext<Window>, acc: ACC, out: Collector<OUT>) => {
      if (fn === undefined) out.collect(base.result(acc) as unknown as OUT);
      else fn.process(key, ctx, [base.result(acc)], out);
    },
  };
}

/**
 * A keyed stream cut into windows (`keyed.window(assigner)`): set trigger, evictor and lateness, then reduce,
 * aggregate or process each window.
 */
export class WindowedStream<T, K extends Key, W extends Window = Window> {
  private triggerOverride: Trigger<T> | undefined;
  private evictorOverride: Evictor<T> | undefined;
  private latenessMs = 0;
  private lateTag: OutputTag<T> | undefined;

  /** @internal */
  constructor(
    private readonly input: DataStream<T>,
    private readonly keySelector: (record: T) => K,
    private readonly assigner: WindowAssigner<W>,
    /** windowAll: one instance sees every record. */
    private readonly parallelism?: number,
  ) {}

  /** Replaces the assigner's default trigger; with session windows, only a trigger that can merge. */
  trigger(trigger: Trigger<T, W>): this {
    if (this.assigner.merging && trigger.canMerge?.() !== true) {
      throw new Error(
        `${this.assigner.name} merges windows, so its trigger must support merging: give the trigger canMerge() { return true } and an onMerge(window, ctx)`,
      );
    }
    this.triggerOverride = trigger as unknown as Trigger<T>;
    return this;
  }

  /**
   * Evicts elements of a window before or after its function sees them (see Evictor). With an
   * evictor a window keeps all its elements in state until it is purged or cleaned up.
   */
  evictor(evictor: Evictor<T, W>): this {
    this.evictorOverride = evictor as unknown as Evictor<T>;
    return this;
  }

  /** Keeps windows this long after they fired: late records update them (and fire again). */
  allowedLateness(lateness: Duration): this {
    if (!this.assigner.isEventTime && toMillis(lateness) > 0) throw new Error('allowedLateness applies to event-time windows only');
    this.latenessMs = toMillis(lateness);
    return this;
  }

  /** Records too late for any window go to this side output instead of being dropped. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.lateTag = tag;
    return this;
  }

  /** Reduces each window's records; the optional function sees the result with the window. */
  reduce<OUT = T>(fn: ReduceFunction<T>, windowFunction?: ProcessWindowFunction<T, OUT, K, W>): SingleOutputStream<OUT> {
    type Acc = { readonly value?: T };
    return this.build<Acc, OUT>(
      'Window Reduce',
      withWindowFunction<T, Acc, T, OUT, K>(
        {
          createAccumulator: () => ({}),
          add: (v, acc) => ({ value: 'value' in acc ? fn(acc.value as T, v) : v }),
          merge: (a, b) => ('value' in a ? ('value' in b ? { value: fn(a.value as T, b.value as T) } : a) : b),
          result: (acc) => acc.value as T,
        },
        windowFunction as ProcessWindowFunction<T, OUT, K, Window> | undefined,
      ),
      windowFunction,
    );
  }

  /** Aggregates each window with Flink's AggregateFunction; accumulators must be JSON values. */
  aggregate<ACC, R, OUT = R>(fn: AggregateFunction<T, ACC, R>, windowFunction?: ProcessWindowFunction<R, OUT, K, W>): SingleOutputStream<OUT> {
    return this.build<ACC, OUT>(
      'Window Aggregate',
      withWindowFunction<T, ACC, R, OUT, K>(
        { createAccumulator: () => fn.createAccumulator(), add: (v, acc) => fn.add(v, acc), merge: (a, b) => fn.merge(a, b), result: (acc) => fn.getResult(acc) },
        windowFunction as ProcessWindowFunction<R, OUT, K, Window> | undefined,
      ),
      windowFunction,
    );
  }

  /** Gives a ProcessWindowFunction all of a window's records (kept in state until it fires). */
  process<OUT>(fn: ProcessWindowFunction<T, OUT, K, W>): SingleOutputStream<OUT> {
    const f = fn as unknown as ProcessWindowFunction<T, OUT, K, Window>;
    return this.build<T[], OUT>(
      'Window Process',
      {
        createAccumulator: () => [],
        // In place: the operator puts the same array back, which a backend sees as a write.
        add: (v, acc) => {
          acc.push(v);
          return acc;
        },
        merge: (a, b) => a.concat(b),
        emit: (key, ctx, acc, out) => f.process(key, ctx, acc, out),
      },
      fn,
    );
  }

  private build<ACC, OUT>(name: string, contents: WindowContents<T, ACC, OUT, K, Window>, fn: { readonly sideOutputTags: readonly OutputTag<any>[] } | undefined): SingleOutputStream<OUT> {
    const spec = {
      assigner: this.assigner as WindowAssigner,
      trigger: this.triggerOverride,
      evictor: this.evictorOverride,
      allowedLatenessMs: this.latenessMs,
      lateDataTag: this.lateTag,
      contents,
      sideOutputTags: fn?.sideOutputTags ?? [],
    };
    const keySelector = this.keySelector;
    const sideOutputs = [...spec.sideOutputTags, ...(this.lateTag ? [this.lateTag] : [])] as OutputTag<unknown>[];
    const stream = this.input.transform<OUT>(
      `${name} ${this.assigner.name}`,
      () => new WindowOperator<T, ACC, OUT, K>({ ...spec, contents: instanceCopyOfContents(contents) }, keySelector),
      { sideOutputs },
      keySelector,
    );
    return this.parallelism === undefined ? stream : stream.setParallelism(this.parallelism);
  }
}

/** Window functions are per instance, like other functions (see instanceCopy). */
function instanceCopyOfContents<C>(contents: C): C {
  return instanceCopy(contents);
}
