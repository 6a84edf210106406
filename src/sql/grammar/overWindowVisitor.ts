/**
 * OVER windows of the FlinkSQL parse tree: `fn(...) OVER (PARTITION BY ... ORDER BY ...
 * [ROWS | RANGE BETWEEN ... PRECEDING AND CURRENT ROW]) AS alias` in a select list, or
 * `fn(...) OVER w AS alias` with `w` defined in the SELECT's WINDOW clause. Frames that end
 * anywhere but at the current row (FOLLOWING) are refused here; what a frame may be ordered
 * by is the planner's business.
 */
import type { NamedWindowContext, OverWindowItemContext, WindowFrameContext, WindowSpecContext } from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import { Expr, OverFrame, OverWindow } from '../ast';
import { visitColumnName, visitInterval, visitOrderItems, visitPrimary } from './expressionVisitor';
import { flinkGrammar } from './flinkSqlGrammar';
import { UNNAMED_OVER } from './grammarGaps';
import { at, nameOf, problem, textOf, unsupported, VisitScope } from './visitScope';

/** The windows a WINDOW clause names, by name. */
export type NamedWindows = ReadonlyMap<string, OverWindow>;

export function visitWindowClause(scope: VisitScope, named: readonly NamedWindowContext[]): NamedWindows {
  const windows = new Map<string, OverWindow>();
  for (const w of named) {
    const id = w.errorCapturingIdentifier();
    const name = nameOf(scope, id.identifier());
    if (windows.has(name)) problem(scope, id, `the window '${name}' is defined twice in this WINDOW clause`);
    windows.set(name, visitWindowSpec(scope, w.windowSpec()));
  }
  return windows;
}

/** `fn(...) OVER (...) AS alias` or `fn(...) OVER w AS alias` in a select list. */
export function visitOverWindowItem(scope: VisitScope, ctx: OverWindowItemContext, windows: NamedWindows): { expr: Expr; alias: string | undefined } {
  const written = nameOf(scope, ctx.identifier());
  const alias = written === UNNAMED_OVER ? undefined : written;
  const call = visitPrimary(scope, ctx.primaryExpression());
  if (call.kind !== 'call') return { expr: unsupported(scope, ctx.KW_OVER(), 'OVER after something other than a function call'), alias };
  const spec = ctx.windowSpec();
  if (spec !== null) return { expr: { ...call, over: visitWindowSpec(scope, spec) }, alias };
  const id = ctx.errorCapturingIdentifier()!;
  const name = nameOf(scope, id.identifier());
  const over = windows.get(name);
  if (over === undefined) {
    const known = [...windows.keys()];
    problem(scope, id, `unknown window '${name}': ${known.length === 0 ? 'define it in a WINDOW clause of this SELECT' : `this SELECT's WINDOW clause defines ${known.join(', ')}`}`);
    return { expr: { kind: 'literal', value: null, pos: at(id) }, alias };
  }
  return { expr: { ...call, over }, alias };
}

function visitWindowSpec(scope: VisitScope, spec: WindowSpecContext): OverWindow {
  const G = flinkGrammar();
  if (spec.errorCapturingIdentifier() !== null) unsupported(scope, spec.errorCapturingIdentifier()!, 'a window that extends a named one, OVER (w ...): write the whole window');
  const frameCtx = spec.windowFrame();
  const partitionBy: Expr[] = [];
  const partition = spec.partitionByClause();
  if (partition !== null) {
    for (const child of partition.children ?? []) {
      if (child instanceof G.ColumnNameContext) partitionBy.push(visitColumnName(scope, child));
      else if (child instanceof G.PrimaryExpressionContext) partitionBy.push(visitPrimary(scope, child));
    }
  }
  const orderBy = visitOrderItems(scope, spec.orderByClause()?.orderItemDefinition() ?? []);
  const frame = frameCtx === null ? undefined : visitFrame(scope, frameCtx);
  return { partitionBy, orderBy, frame, pos: at(spec) };
}

/** ROWS / RANGE BETWEEN <n | INTERVAL ... | UNBOUNDED> PRECEDING AND CURRENT ROW. */
function visitFrame(scope: VisitScope, ctx: WindowFrameContext): OverFrame | undefined {
  const unit = ctx.KW_ROWS() !== null ? 'ROWS' : 'RANGE';
  const pos = at(ctx);
  const interval = ctx.timeIntervalExpression();
  // RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW: the grammar's own alternative.
  if (interval !== null) return { unit, preceding: visitInterval(scope, interval), pos };
  const start = ctx.frameStart();
  const end = ctx.frameEnd();
  if (start === null || end === null) {
    unsupported(scope, ctx, `this frame`);
    return undefined;
  }
  if (end.KW_CURRENT() === null) {
    unsupported(scope, end, `frames that end after the current row (${textOf(end).toUpperCase()}): an OVER aggregation emits a row when the watermark passes it, so its frame ends at CURRENT ROW`);
    return undefined;
  }
  if (start.KW_CURRENT() !== null) return { unit, preceding: 0, pos };
  if (start.KW_UNBOUNDED() !== null) return { unit, preceding: undefined, pos };
  const digits = start.DIG_LITERAL();
  if (digits === null || start.KW_PRECEDING() === null) {
    unsupported(scope, start, 'frames that start after the current row');
    return undefined;
  }
  return { unit, preceding: Number(digits.getText()), pos };
}
