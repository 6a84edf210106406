/**
 * `FROM TABLE(TUMBLE | HOP | CUMULATE | SESSION(TABLE t, DESCRIPTOR(time), <intervals>))`: the
 * input's rows with the bounds of their window(s) appended. A GROUP BY on those bounds is a
 * window aggregation (planAggregation.ts); a ranking partitioned by them a window Top-N.
 */
import { absurd } from 'fp-ts/function';
import { Expr, FromItem } from './ast';
import { compileExpression } from './compileExpression';
import { PlanNode, WindowSpec } from './logicalPlan';
import { PlanningContext, Scope } from './PlanningContext';
import { Field } from './types';

/** The columns a window TVF appends, in this order. */
export const WINDOW_COLUMNS = ['window_start', 'window_end', 'window_time'];

/** The columns a window TVF or a window aggregation adds: its bounds and its time attribute. */
export function windowFields(window: WindowSpec): Field[] {
  return [
    { name: 'window_start', type: 'TIMESTAMP', windowBound: { bound: 'start', window } },
    { name: 'window_end', type: 'TIMESTAMP', windowBound: { bound: 'end', window } },
    { name: 'window_time', type: 'TIMESTAMP', rowtime: true },
  ];
}

/** `inner` is the planned input of the TVF (`f.input`). */
export function planWindowTableFunction(f: Extract<FromItem, { kind: 'windowTvf' }>, inner: Scope, planning: PlanningContext): Scope {
  const time = compileExpression(f.timeColumn, planning.context(inner, 'DESCRIPTOR'));
  if (!inner.opaque && time.type !== 'ANY' && (time.field === undefined || !time.rowtime)) {
    planning.problem(f.timeColumn.pos, `DESCRIPTOR(${time.text}) must name a time attribute of the input (a column with WATERMARK FOR in its table)`);
  }
  if (inner.node.updating) planning.problem(f.pos, `${f.fn} needs an append-only input, but its input is updating (it comes from a GROUP BY or a join with retractions)`);
  const expected = { TUMBLE: ['size'], HOP: ['slide', 'size'], CUMULATE: ['step', 'size'], SESSION: ['gap'] }[f.fn];
  if (f.args.length !== expected.length) {
    planning.problem(f.pos, `${f.fn}(TABLE t, DESCRIPTOR(time), ${expected.map((e) => `<${e}>`).join(', ')}) takes ${expected.length} interval argument(s), got ${f.args.length}`);
  }
  const ms = expected.map((what, i) => (f.args[i] === undefined ? 1 : intervalArgument(f.args[i], `${f.fn} ${what}`, planning)));
  if (f.partitionBy.length > 0 && f.fn !== 'SESSION') planning.problem(f.pos, `PARTITION BY is allowed in SESSION only`);
  f.partitionBy.forEach((p) => compileExpression(p, planning.context(inner, 'PARTITION BY')));
  let window: WindowSpec;
  switch (f.fn) {
    case 'TUMBLE':
      window = { kind: 'TUMBLE', sizeMs: ms[0] };
      break;
    case 'HOP':
      window = { kind: 'HOP', slideMs: ms[0], sizeMs: ms[1] };
      break;
    case 'CUMULATE':
      window = { kind: 'CUMULATE', stepMs: ms[0], sizeMs: ms[1] };
      if (ms[1] % ms[0] !== 0) planning.problem(f.pos, `CUMULATE's size must be a whole multiple of its step`);
      break;
    case 'SESSION':
      window = { kind: 'SESSION', gapMs: ms[0] };
      break;
    default:
      return absurd(f.fn);
  }
  const fields: Field[] = [...inner.node.fields.map((x) => ({ name: x.name, type: x.type })), ...windowFields(window)];
  const node: PlanNode = { kind: 'windowTvf', input: inner.node, window, timeField: time.field ?? 0, fields, updating: false };
  const qualifier = f.alias ?? inner.columns[0]?.qualifier;
  return { node, columns: fields.map((x) => ({ ...x, qualifier })), opaque: inner.opaque };
}

/** A window's size, slide, step or gap in milliseconds (1 after a problem). */
function intervalArgument(e: Expr, what: string, planning: PlanningContext): number {
  const c = compileExpression(e, planning.context({ columns: [], opaque: false }, 'a window argument'));
  if (c.type === 'ANY') return 1;
  if (c.type !== 'INTERVAL' || c.constant === undefined || !((c.constant.value as number) > 0)) {
    planning.problem(e.pos, `the ${what} must be a positive INTERVAL literal such as INTERVAL '10' SECOND, got ${c.text}`);
    return 1;
  }
  return c.constant.value as number;
}
