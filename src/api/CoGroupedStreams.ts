/**
 * Window co-group and window join of two streams, as Flink's
 * `a.coGroup(b).where(k1).equalTo(k2).window(assigner).apply(fn)` and
 * `a.join(b).where(k1).equalTo(k2).window(assigner).apply(fn)`: records of both inputs with
 * equal keys that fall in the same window meet once the window fires. Built on the window
 * operator over the tagged merged inputs, so lateness, checkpoints and rescaling are the
 * window operator's.
 *
 * @example
 * persons.join(auctions)
 *   .where((p) => p.id).equalTo((a) => a.seller)
 *   .window(TumblingEventTimeWindows.of(Time.seconds(10)))
 *   .apply((p, a) => ({ id: p.id, name: p.name, reserve: a.reserve }));
 * (specs/api/CoGroupedStreams.spec.ts runs joins like this one)
 */
import { Key } from '../state/keyHash';
import { Duration } from '../time/Time';
import { ProcessWindowFunction, WindowContext } from '../windowing/ProcessWindowFunction';
import type { Window } from '../windowing/Window';
import type { WindowAssigner } from '../windowing/WindowAssigner';
import type { DataStream, SingleOutputStream } from './DataStream';
import { Collector } from '../graph/Collector';
import { TwoInputRecord, mergedInputs, twoInputKey } from './TwoInputRecord';

/** All records of each input for one key and window (either list may be empty). */
export type CoGroupFunction<I1, I2, O> =
  | ((first: readonly I1[], second: readonly I2[], out: Collector<O>) => void)
  | {
      /** Emits the results of one key and window from the records of each input. */
      coGroup(first: readonly I1[], second: readonly I2[], out: Collector<O>): void;
    };

/** One pair of records with equal keys in one window; a function of three arguments is a flat join (it emits through `out`). */
export type JoinFunction<I1, I2, O> =
  | ((first: I1, second: I2) => O)
  | ((first: I1, second: I2, out: Collector<O>) => void)
  | {
      /** The result for one pair. */
      join(first: I1, second: I2): O;
    }
  | {
      /** Emits the results for one pair to `out`. */
      join(first: I1, second: I2, out: Collector<O>): void;
    };

type CoGroup<I1, I2, O> = (first: readonly I1[], second: readonly I2[], out: Collector<O>) => void;

class CoGroupWindowFunction<I1, I2, O> extends ProcessWindowFunction<TwoInputRecord<I1, I2>, O, Key, Window> {
  constructor(private readonly coGroup: CoGroup<I1, I2, O>) {
    super();
  }
  process(_key: Key, _ctx: WindowContext<Window>, elements: readonly TwoInputRecord<I1, I2>[], out: Collector<O>): void {
    const first: I1[] = [];
    const second: I2[] = [];
    for (const r of elements) {
      if (r.input === 1) first.push(r.value);
      else second.push(r.value);
    }
    this.coGroup(first, second, out);
  }
}

/** An inner join as a co-group: every pair, in arrival order within each input. */
function joinAsCoGroup<I1, I2, O>(fn: JoinFunction<I1, I2, O>): CoGroup<I1, I2, O> {
  const join = (typeof fn === 'function' ? fn : fn.join.bind(fn)) as (a: I1, b: I2, out: Collector<O>) => O | void;
  const flat = join.length === 3 || (typeof fn !== 'function' && fn.join.length === 3);
  return (first, second, out) => {
    for (const a of first) {
      for (const b of second) {
        if (flat) join(a, b, out);
        else out.collect(join(a, b, out) as O);
      }
    }
  };
}

/** Keys chosen on both sides and a window assigner: what a window join or co-group needs. */
export class WindowedTwoInputs<I1, I2, K extends Key, W extends Window> {
  private latenessMs: Duration = 0;
  /** @internal */
  constructor(
    private readonly first: DataStream<I1>,
    private readonly second: DataStream<I2>,
    private readonly key1: (v: I1) => K,
    private readonly key2: (v: I2) => K,
    private readonly assigner: WindowAssigner<W>,
    private readonly operation: 'Join' | 'CoGroup',
  ) {}

  /** Keeps windows this long after they fired; late records make them fire again. */
  allowedLateness(lateness: Duration): this {
    this.latenessMs = lateness;
    return this;
  }

  /** @internal */
  applyCoGroup<O>(coGroup: CoGroup<I1, I2, O>): SingleOutputStream<O> {
    return mergedInputs(this.first, this.second)
      .keyBy(twoInputKey(this.key1, this.key2))
      .window(this.assigner)
      .allowedLateness(this.latenessMs)
      .process(new CoGroupWindowFunction<I1, I2, O>(coGroup))
      .name(`Window ${this.operation} ${this.assigner.name}`);
  }
}

/** Two keyed inputs in the same windows: `apply` gets, per key and window, the records of each input. */
export class WindowedCoGroup<I1, I2, K extends Key, W extends Window> extends WindowedTwoInputs<I1, I2, K, W> {
  /** What `fn` emits for each key and window, from the records of both inputs (either may be empty). */
  apply<O>(fn: (first: readonly I1[], second: readonly I2[], out: Collector<O>) => void): SingleOutputStream<O>;
  /** What the co-group function emits for each key and window. */
  apply<O>(fn: CoGroupFunction<I1, I2, O>): SingleOutputStream<O>;
  apply<O>(fn: CoGroupFunction<I1, I2, O>): SingleOutputStream<O> {
    return this.applyCoGroup(typeof fn === 'function' ? fn : fn.coGroup.bind(fn));
  }
}

/** Two keyed inputs joined in the same windows: `apply` gets each pair of records with equal keys in one window. */
export class WindowedJoin<I1, I2, K extends Key, W extends Window> extends WindowedTwoInputs<I1, I2, K, W> {
  /** One result for each pair. */
  apply<O>(fn: (first: I1, second: I2) => O): SingleOutputStream<O>;
  /** Any number of results for each pair, emitted to `out`. */
  apply<O>(fn: (first: I1, second: I2, out: Collector<O>) => void): SingleOutputStream<O>;
  /** What the join function gives for each pair. */
  apply<O>(fn: JoinFunction<I1, I2, O>): SingleOutputStream<O>;
  apply<O>(fn: JoinFunction<I1, I2, O>): SingleOutputStream<O> {
    return this.applyCoGroup(joinAsCoGroup(fn));
  }
}

/** `a.join(b)` or `a.coGroup(b)`: then `where(key of a).equalTo(key of b).window(assigner).apply(fn)`. */
export class TwoInputsToWindow<I1, I2, Op extends 'Join' | 'CoGroup'> {
  /** @internal */
  constructor(private readonly first: DataStream<I1>, private readonly second: DataStream<I2>, private readonly operation: Op) {}

  /** The key of the first input's records; then `equalTo(key of the second)`, then `window(assigner)`. */
  where<K extends Key>(key1: (value: I1) => K) {
    return {
      /** The key of the second input's records, equal to the first's for records that meet. */
      equalTo: (key2: (value: I2) => K) => ({
        /** The windows the records meet in. */
        window: <W extends Window>(assigner: WindowAssigner<W>): Op extends 'Join' ? WindowedJoin<I1, I2, K, W> : WindowedCoGroup<I1, I2, K, W> => {
          const Windowed = this.operation === 'Join' ? WindowedJoin : WindowedCoGroup;
          return new Windowed(this.first, this.second, key1, key2, assigner, this.operation) as Op extends 'Join' ? WindowedJoin<I1, I2, K, W> : WindowedCoGroup<I1, I2, K, W>;
        },
      }),
    };
  }
}
