/**
 * The logical plan of a query: relational operators with their output columns and whether
 * they produce an append-only stream or an updating one (a changelog). EXPLAIN prints it.
 */
import { absurd } from 'fp-ts/function';
import type { Pattern } from '../cep/Pattern';
import { AggregateCall } from './aggregates';
import { Compiled } from './compileExpression';
import type { RankFunctionName } from './runtime/rankNumbers';
import { SqlPosition } from './SqlProblem';
import type { TableSource } from './tableConnectors';
import type { Change } from './Change';
import { Field, Row, SqlType } from './types';

export type WindowSpec =
  | { readonly kind: 'TUMBLE'; readonly sizeMs: number }
  | { readonly kind: 'HOP'; readonly slideMs: number; readonly sizeMs: number }
  | { readonly kind: 'CUMULATE'; readonly stepMs: number; readonly sizeMs: number }
  | { readonly kind: 'SESSION'; readonly gapMs: number };

/**
 * The frame of an OVER aggregation, which always ends at the current row: the last `rows`
 * rows before it (ROWS), or the rows up to `rangeMs` earlier in event time, its peers included
 * (RANGE); undefined reaches back without bound.
 */
export type OverFrameSpec = { readonly unit: 'ROWS'; readonly rows: number | undefined } | { readonly unit: 'RANGE'; readonly rangeMs: number | undefined };

export function describeOverFrame(f: OverFrameSpec): string {
  const reach = f.unit === 'ROWS' ? f.rows : f.rangeMs === undefined ? undefined : `${f.rangeMs}ms`;
  return `${f.unit} BETWEEN ${reach === undefined ? 'UNBOUNDED' : reach} PRECEDING AND CURRENT ROW`;
}

/** One key of a sort or ranking; NULLs last unless nullsFirst. */
export interface SortKey {
  readonly expr: Compiled;
  readonly descending: boolean;
  readonly nullsFirst?: boolean;
}

/** The rows of a (partial) match that MATCH_RECOGNIZE's expressions read: a variable's, or with undefined every row, in order. */
export interface MatchView {
  rowsOf(variable: string | undefined): readonly Row[];
}

/** One MEASURES item: a value of a whole match. */
export interface MatchMeasure {
  readonly name: string;
  readonly text: string;
  readonly type: SqlType;
  readonly rowtime?: boolean;
  readonly eval: (match: MatchView) => unknown;
}

interface Base {
  readonly fields: readonly Field[];
  /** The node emits updates and deletes, not only inserts. */
  readonly updating: boolean;
}

export type PlanNode = Base &
  (
    | { readonly kind: 'scan'; readonly table: string; readonly source: TableSource }
    | { readonly kind: 'calc'; readonly input: PlanNode; readonly projections: readonly Compiled[]; readonly filter?: Compiled }
    | { readonly kind: 'windowTvf'; readonly input: PlanNode; readonly window: WindowSpec; readonly timeField: number }
    | {
        readonly kind: 'windowAggregate';
        readonly input: PlanNode;
        readonly window: WindowSpec;
        /**
         * assign: each row goes to the windows of its time attribute (over a window TVF).
         * attached: each row already names its window in two columns (window bounds kept from an
         * earlier windowed operator): it is aggregated in that window, emitted when it closes.
         */
        readonly windowing: { readonly kind: 'assign'; readonly timeField: number } | { readonly kind: 'attached'; readonly start: number; readonly end: number };
        /** Output: keys, then window_start, window_end, window_time, then aggregates. */
        readonly keys: readonly Compiled[];
        readonly aggregates: readonly AggregateCall[];
      }
    | { readonly kind: 'groupAggregate'; readonly input: PlanNode; readonly keys: readonly Compiled[]; readonly aggregates: readonly AggregateCall[] }
    | {
        readonly kind: 'rank';
        readonly fn: RankFunctionName;
        readonly input: PlanNode;
        readonly partitionKeys: readonly Compiled[];
        readonly orderBy: readonly SortKey[];
        /** Set by the filter on the rank column (rownum <= N); a rank without one is refused. */
        readonly limit: number | undefined;
        /** The first rank kept (1 unless an OFFSET skips rows). */
        readonly rankStart: number;
        /** Output rows end with their rank number (an OVER ranking); ORDER BY … LIMIT has none. */
        readonly numbered: boolean;
        /** Index of window_end among the input fields: a window Top-N emits when its window closes. */
        readonly windowEnd: number | undefined;
        readonly pos: SqlPosition;
      }
    | {
        readonly kind: 'overAggregate';
        readonly input: PlanNode;
        readonly partitionKeys: readonly Compiled[];
        /** The input's time attribute the window is ordered by. */
        readonly timeField: number;
        /** ORDER BY items after the time attribute: the order of rows of one time (else arrival order). */
        readonly peerOrder: readonly { readonly expr: Compiled; readonly descending: boolean }[];
        readonly frame: OverFrameSpec;
        /** Output: the input fields, then one field per aggregate. */
        readonly aggregates: readonly AggregateCall[];
        /** Some aggregate cannot retract (a user-defined one without retract): each frame is aggregated anew. */
        readonly recompute: boolean;
      }
    | {
        /** ORDER BY an ascending time attribute on a stream: rows in order as the watermark passes them. */
        readonly kind: 'temporalSort';
        readonly input: PlanNode;
        readonly timeField: number;
        /** The time attribute first, then the keys that break its ties. */
        readonly orderBy: readonly SortKey[];
      }
    | { readonly kind: 'union'; readonly inputs: readonly PlanNode[] }
    | {
        /** MATCH_RECOGNIZE: one row per match of `pattern` in each partition's rows, in event-time order. Output: the partition keys, then the measures. */
        readonly kind: 'match';
        readonly input: PlanNode;
        readonly partitionKeys: readonly Compiled[];
        readonly timeField: number;
        /** The pattern on the CEP engine, its stages named after the variables. */
        readonly pattern: Pattern<Change>;
        /** The variables in PATTERN order: a match's rows in order are theirs one after another. */
        readonly variables: readonly string[];
        readonly measures: readonly MatchMeasure[];
        /** What EXPLAIN prints of it. */
        readonly describe: { readonly pattern: string; readonly define: readonly string[]; readonly skip: string; readonly withinMs: number | undefined };
      }
    | {
        readonly kind: 'join';
        readonly joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
        readonly left: PlanNode;
        readonly right: PlanNode;
        readonly leftKeys: readonly Compiled[];
        readonly rightKeys: readonly Compiled[];
        /** On the joined row (left fields then right fields). */
        readonly condition?: Compiled;
        /** Interval join: right time - left time within [lowerMs, upperMs]; state is dropped by watermark. */
        readonly interval?: { readonly leftTime: number; readonly rightTime: number; readonly lowerMs: number; readonly upperMs: number };
        /** Window join: both sides' window_end; a window's rows are dropped when it closes. */
        readonly window?: { readonly leftEnd: number; readonly rightEnd: number };
      }
    | { readonly kind: 'invalid' }
  );

function describeWindow(w: WindowSpec): string {
  switch (w.kind) {
    case 'TUMBLE':
      return `TUMBLE(size=${w.sizeMs}ms)`;
    case 'HOP':
      return `HOP(slide=${w.slideMs}ms, size=${w.sizeMs}ms)`;
    case 'CUMULATE':
      return `CUMULATE(step=${w.stepMs}ms, size=${w.sizeMs}ms)`;
    case 'SESSION':
      return `SESSION(gap=${w.gapMs}ms)`;
    default:
      return absurd(w);
  }
}

function describeWindowing(input: readonly Field[], w: Extract<PlanNode, { kind: 'windowAggregate' }>['windowing']): string {
  return w.kind === 'assign' ? `time=[${input[w.timeField].name}]` : `windowFrom=[${input[w.start].name}, ${input[w.end].name}]`;
}

function describeSortKeys(keys: readonly SortKey[]): string {
  const nulls = (k: SortKey) => (k.nullsFirst === undefined ? '' : k.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST');
  return `orderBy=[${keys.map((k) => `${k.expr.text} ${k.descending ? 'DESC' : 'ASC'}${nulls(k)}`).join(', ')}]`;
}

const names = (fields: readonly Field[]) => fields.map((f) => f.name).join(', ');

function describeNode(node: PlanNode): string {
  const mode = node.updating ? ' [changelog]' : '';
  switch (node.kind) {
    case 'scan':
      return `TableSourceScan(table=[${node.table}], fields=[${names(node.fields)}]${node.source.watermark ? `, watermark=[${node.source.watermark.text}]` : ''})${mode}`;
    case 'calc':
      return `Calc(select=[${node.projections.map((p, i) => (p.text === node.fields[i].name ? p.text : `${p.text} AS ${node.fields[i].name}`)).join(', ')}]${node.filter ? `, where=[${node.filter.text}]` : ''})${mode}`;
    case 'windowTvf':
      return `WindowTableFunction(${describeWindow(node.window)}, time=[${node.input.fields[node.timeField].name}])${mode}`;
    case 'windowAggregate':
      return `WindowAggregate(${describeWindow(node.window)}, ${describeWindowing(node.input.fields, node.windowing)}, groupBy=[${node.keys.map((k) => k.text).join(', ')}], select=[${node.aggregates.map((a) => a.text).join(', ')}])${mode}`;
    case 'groupAggregate':
      return `GroupAggregate(groupBy=[${node.keys.map((k) => k.text).join(', ')}], select=[${node.aggregates.map((a) => a.text).join(', ')}])${mode}`;
    case 'rank': {
      const orderBy = describeSortKeys(node.orderBy);
      if (!node.numbered) return `SortLimit(${orderBy}, offset=[${node.rankStart - 1}], fetch=[${node.limit === undefined ? 'ALL' : node.limit - node.rankStart + 1}])${mode}`;
      const rankType = node.fn === 'ROW_NUMBER' ? '' : `, rankType=[${node.fn}]`;
      return `${node.windowEnd !== undefined ? 'WindowRank' : node.input.updating ? 'RetractRank' : 'Rank'}(partitionBy=[${node.partitionKeys.map((k) => k.text).join(', ')}], ${orderBy}, rankRange=[${node.rankStart}..${node.limit ?? '?'}]${rankType})${mode}`;
    }
    case 'overAggregate':
      return `OverAggregate(partitionBy=[${node.partitionKeys.map((k) => k.text).join(', ')}], orderBy=[${[`${node.input.fields[node.timeField].name} ASC`, ...node.peerOrder.map((o) => `${o.expr.text} ${o.descending ? 'DESC' : 'ASC'}`)].join(', ')}], window=[${describeOverFrame(node.frame)}], select=[${node.aggregates.map((a) => a.text).join(', ')}])${mode}`;
    case 'temporalSort':
      return `TemporalSort(${describeSortKeys(node.orderBy)})${mode}`;
    case 'union':
      return `Union(all=[true], fields=[${names(node.fields)}])${mode}`;
    case 'match': {
      const d = node.describe;
      const measures = node.measures.map((m) => (m.text === m.name ? m.text : `${m.text} AS ${m.name}`)).join(', ');
      const within = d.withinMs === undefined ? '' : `, within=[${d.withinMs}ms]`;
      return `Match(partitionBy=[${node.partitionKeys.map((k) => k.text).join(', ')}], orderBy=[${node.input.fields[node.timeField].name} ASC], measures=[${measures}], rowsPerMatch=[ONE ROW PER MATCH], after=[${d.skip}], pattern=[${d.pattern}]${within}, define=[${d.define.join(', ')}])${mode}`;
    }
    case 'join':
      return `${node.interval ? 'IntervalJoin' : node.window ? 'WindowJoin' : 'Join'}(joinType=[${node.joinType}], where=[${node.leftKeys.map((k, i) => `${k.text} = ${node.rightKeys[i].text}`).join(' AND ')}${node.condition ? ` AND ${node.condition.text}` : ''}]${node.interval ? `, interval=[${node.interval.lowerMs}ms, ${node.interval.upperMs}ms]` : ''})${mode}`;
    case 'invalid':
      return 'Invalid';
    default:
      return absurd(node);
  }
}

export function inputsOf(node: PlanNode): readonly PlanNode[] {
  switch (node.kind) {
    case 'scan':
    case 'invalid':
      return [];
    case 'union':
      return node.inputs;
    case 'join':
      return [node.left, node.right];
    default:
      return [node.input];
  }
}

/** The plan as an indented tree, the root first (as Flink's EXPLAIN prints it). */
export function explainPlan(node: PlanNode, depth = 0): string {
  const line = `${depth === 0 ? '' : `${'   '.repeat(depth - 1)}+- `}${describeNode(node)}`;
  return [line, ...inputsOf(node).map((i) => explainPlan(i, depth + 1))].join('\n');
}
