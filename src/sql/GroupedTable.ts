/**
 * The steps between a Table and its grouped select, with Flink's names: `table.groupBy(keys)`
 * is a GroupedTable, `table.window(w)` a GroupWindowedTable, and its `groupBy($('w'), keys)` a
 * WindowGroupedTable, `table.window(Over...)` an OverWindowedTable; each is a Table again only through `select(...)`, which is where the
 * aggregates are (tableOperations.ts says what each becomes in SQL).
 */
import { Expression } from './Expression';
import type { GroupWindow } from './GroupWindow';
import type { Table } from './Table';
import { groupBySelect, overSelect, windowSelect } from './tableOperations';
import type { OverWindowDefinition } from './OverWindow';

/** `table.groupBy(...keys)`: select the keys and aggregates per group (an updating result). */
export class GroupedTable {
  /** @internal */
  constructor(private readonly table: Table, private readonly keys: readonly Expression[]) {}

  /** The keys and aggregates: `select($('k'), $('a').sum().as('total'))`. */
  select(...fields: Expression[]): Table {
    return this.table.planCall(groupBySelect(this.table, this.keys, fields));
  }
}

/** `table.window(w)`: must be grouped by the window, `groupBy($('w'), ...keys)`. */
export class GroupWindowedTable {
  /** @internal */
  constructor(private readonly table: Table, private readonly window: GroupWindow) {}

  /** Groups per window (`$(alias)` of the window) and the other keys. */
  groupBy(...keys: Expression[]): WindowGroupedTable {
    return new WindowGroupedTable(this.table, this.window, keys);
  }
}

/** `table.window(w).groupBy($('w'), ...keys)`: one final row per key and window when it closes (append-only). */
export class WindowGroupedTable {
  /** @internal */
  constructor(private readonly table: Table, private readonly window: GroupWindow, private readonly keys: readonly Expression[]) {}

  /** Keys, window bounds (`$('w').start()`, `.end()`, `.rowtime()`) and aggregates. */
  select(...fields: Expression[]): Table {
    return this.table.planCall(windowSelect(this.table, this.window, this.keys, fields));
  }
}

/** `table.window(Over...as('o'), ...)`: each row with aggregates over its window (`$('v').sum().over($('o'))`). */
export class OverWindowedTable {
  /** @internal */
  constructor(private readonly table: Table, private readonly windows: readonly OverWindowDefinition[]) {}

  /** Columns, and aggregates over the windows: `select($('k'), $('v').sum().over($('o')).as('running'))`. */
  select(...fields: Expression[]): Table {
    return this.table.planCall(overSelect(this.table, this.windows, fields));
  }
}
