/**
 * Card fraud as a pattern: three small payments in a row on a card, then a large one, all
 * within 5 minutes. The pattern and its function, the same rule written by hand as a keyed
 * process function (the benchmark's twin), and a plain scan that says what the alerts must be.
 */
import {
  Collector,
  KeyedProcessContext,
  KeyedProcessFunction,
  Match,
  OutputTag,
  Pattern,
  PatternContext,
  PatternProcessFunction,
  RuntimeContext,
  Serializers,
  Time,
  ValueState,
  ValueStateDescriptor,
} from '../../src';
import { lowbias32 } from '../common/lowbias32';

export interface Payment {
  readonly id: number;
  readonly card: number;
  /** Cents. */
  readonly amount: number;
  /** Event time, ms. */
  readonly at: number;
}

export const SMALL_BELOW = 1_000;
export const LARGE_ABOVE = 50_000;
export const WITHIN_MS = 5 * 60_000;
export const CARDS = 200;
/** One payment every 100 ms across all cards: one every 20 s per card on average. */
const STEP_MS = 100;

/** The payment at `index`: its card and amount drawn from a hash of the index; time rises with the index. */
export function payment(index: number): Payment {
  const h = lowbias32(index);
  const draw = lowbias32(h) % 100;
  const amount = draw < 40 ? 100 + (h % 800) : draw < 50 ? 60_000 + (h % 40_000) : 2_000 + (h % 30_000);
  return { id: index, card: h % CARDS, amount, at: index * STEP_MS };
}

const small = (p: Payment) => p.amount < SMALL_BELOW;
const large = (p: Payment) => p.amount > LARGE_ABOVE;

export const smallsThenLarge = Pattern.begin<Payment>('small').where(small).times(3).consecutive().next('large').where(large).within(Time.milliseconds(WITHIN_MS));

/** Three small payments that no large one followed within the 5 minutes. */
export const unfinished = new OutputTag<number[]>('unfinished');

/** Emits the id of the large payment of each match; timed-out partial matches go to `unfinished` (their ids). */
export class FraudAlerts extends PatternProcessFunction<Payment, number> {
  override readonly sideOutputTags = [unfinished];
  processMatch(match: Match<Payment>, _ctx: PatternContext, out: Collector<number>): void {
    out.collect(match.large[0].id);
  }
  processTimedOutMatch(match: Match<Payment>, ctx: PatternContext): void {
    ctx.output(unfinished, match.small.map((p) => p.id));
  }
}

/**
 * The same rule by hand, for input in time order per card (a source at parallelism 1): the
 * times of the card's last consecutive small payments, at most three.
 */
export class HandWrittenFraud extends KeyedProcessFunction<number, Payment, number> {
  private smalls!: ValueState<number[]>;
  open(ctx: RuntimeContext): void {
    this.smalls = ctx.getState(new ValueStateDescriptor('smalls', Serializers.json<number[]>()));
  }
  processElement(p: Payment, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    const run = this.smalls.value() ?? [];
    if (small(p)) {
      run.push(p.at);
      if (run.length > 3) run.shift();
      this.smalls.update(run);
      return;
    }
    if (large(p) && run.length === 3 && p.at - run[0] < WITHIN_MS) out.collect(p.id);
    this.smalls.clear();
  }
}

/** The ids of the large payments that complete the pattern, in a plain scan of payments 0..count-1. */
export function expectedAlerts(count: number): number[] {
  const runs = new Map<number, number[]>();
  const alerts: number[] = [];
  for (let i = 0; i < count; i++) {
    const p = payment(i);
    const run = runs.get(p.card) ?? [];
    if (small(p)) {
      runs.set(p.card, [...run, p.at].slice(-3));
      continue;
    }
    if (large(p) && run.length === 3 && p.at - run[0] < WITHIN_MS) alerts.push(p.id);
    runs.delete(p.card);
  }
  return alerts;
}
