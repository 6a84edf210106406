/**
 * The over windows of the Table API, with Flink's names:
 * `table.window(Over.partitionBy($('k')).orderBy($('ts')).preceding(lit(10).seconds()).as('o'))
 * .select($('k'), $('v').sum().over($('o')))` is SQL's
 * `SELECT k, SUM(v) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND
 * PRECEDING AND CURRENT ROW) FROM t`, planned as the OVER aggregation it is.
 * `preceding`: UNBOUNDED_RANGE (the default), UNBOUNDED_ROW, rowInterval(n) (the n rows
 * before), or an interval (`lit(1).minutes()`).
 */
import { Expression } from './Expression';

/** How far back an over window reaches, when not an interval. */
export type OverBound = { readonly kind: 'UNBOUNDED_RANGE' } | { readonly kind: 'UNBOUNDED_ROW' } | { readonly kind: 'ROWS'; readonly rows: number };

/** Every row of the partition up to the current one (and its peers). */
export const UNBOUNDED_RANGE: OverBound = { kind: 'UNBOUNDED_RANGE' };
/** Every row of the partition up to the current one. */
export const UNBOUNDED_ROW: OverBound = { kind: 'UNBOUNDED_ROW' };
/** The `rows` rows before the current one, and it. */
export function rowInterval(rows: number): OverBound {
  return { kind: 'ROWS', rows };
}

/** A complete over window, for `table.window(...)`. */
export class OverWindowDefinition {
  /** @internal */
  constructor(
    /** @internal */ readonly partitionBy: readonly Expression[],
    /** @internal */ readonly orderBy: Expression,
    /** @internal */ readonly preceding: OverBound | Expression,
    /** The name `.over($(alias))` reads it by. */
    readonly alias: string,
  ) {}

  /** @internal How it was written, for problems. */
  get text(): string {
    const reach = this.preceding instanceof Expression ? this.preceding.text : this.preceding.kind === 'ROWS' ? `rowInterval(${this.preceding.rows})` : this.preceding.kind;
    return `Over.partitionBy(${this.partitionBy.map((p) => p.text).join(', ')}).orderBy(${this.orderBy.text}).preceding(${reach}).as('${this.alias}')`;
  }
}

/** An over window with its order, and optionally its reach, that needs its alias. */
export class OverWindowOrdered {
  /** @internal */
  constructor(private readonly partitionBy: readonly Expression[], private readonly orderBy: Expression, private readonly reach: OverBound | Expression = UNBOUNDED_RANGE) {}

  /** How far back the window reaches (default UNBOUNDED_RANGE). */
  preceding(reach: OverBound | Expression): OverWindowOrdered {
    return new OverWindowOrdered(this.partitionBy, this.orderBy, reach);
  }

  as(alias: string): OverWindowDefinition {
    return new OverWindowDefinition(this.partitionBy, this.orderBy, this.reach, alias);
  }
}

/** An over window's partitioning, which needs its order. */
export class OverWindowPartitioned {
  /** @internal */
  constructor(private readonly partitionBy: readonly Expression[]) {}

  /** The time attribute the rows are ordered by (ascending). */
  orderBy(time: Expression): OverWindowOrdered {
    return new OverWindowOrdered(this.partitionBy, time);
  }
}

export const Over = {
  partitionBy(...keys: Expression[]): OverWindowPartitioned {
    return new OverWindowPartitioned(keys);
  },
  orderBy(time: Expression): OverWindowOrdered {
    return new OverWindowOrdered([], time);
  },
};
