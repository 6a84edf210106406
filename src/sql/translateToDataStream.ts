/**
 * Turns a logical plan into DataStream operators: scans are sources (with computed columns and
 * watermarks), calcs are flatMaps, aggregations and rankings keyed process functions or event-
 * time windows, joins a keyed function over both inputs. Keyed state, checkpoints and
 * exactly-once therefore apply to SQL jobs as to any other job.
 */
import { absurd } from 'fp-ts/function';
import { DataStream } from '../api/DataStream';
import type { NotAsync } from '../api/functions';
import { StreamEnvironment } from '../api/StreamEnvironment';
import { Collector } from '../graph/Collector';
import { WatermarkStrategy } from '../time/WatermarkStrategy';
import { TimeWindow } from '../windowing/Window';
import { EventTimeSessionWindows, SlidingEventTimeWindows, TumblingEventTimeWindows, WindowAssigner } from '../windowing/WindowAssigner';
import { Change, RowKind } from './Change';
import { PlanNode, WindowSpec } from './logicalPlan';
import { fieldRef } from './PlanningContext';
import { AttachedWindowAggregateFunction } from './runtime/AttachedWindowAggregateFunction';
import { windowAggregation } from './runtime/windowAggregation';
import { cumulativeEventTimeWindows } from './runtime/CumulativeEventTimeWindows';
import { GroupAggregateFunction } from './runtime/GroupAggregateFunction';
import { JoinFunction, RowExpiry, SideChange, joinRetiredState, listSidesOf } from './runtime/JoinFunction';
import { StoredRowLayout, storedIndex, storedRowLayout } from './runtime/storedRows';
import { LateRow, OverAggregateFunction, overLateRows } from './runtime/OverAggregateFunction';
import { RankFunction } from './runtime/RankFunction';
import { MatchRowFunction, matchLateRows } from './runtime/MatchRowFunction';
import { CEP } from '../cep/CEP';
import { RowTimestampOperator } from './runtime/RowTimestampOperator';
import { TemporalSortFunction, sortLateRows } from './runtime/TemporalSortFunction';
import { rowComparator } from './runtime/rowOrder';
import { WindowRankFunction } from './runtime/WindowRankFunction';
import { WindowBinding, WindowBoundRow, WindowMaxJoinFunction } from './runtime/WindowMaxJoinFunction';
import { windowMaxJoin } from './windowMaxJoin';
import { JoinWindowAggregate, joinWindowAggregate } from './joinWindowAggregate';
import { JoinWindowAggregateFunction } from './runtime/JoinWindowAggregateFunction';
import { TableSource } from './tableConnectors';
import { DeadLetterOutlet } from './lineFormats';
import { Row } from './types';
import { rowKeySelector } from './rowKey';
import { recordProjection, rowKeeping, rowProjection } from './compiledRows';
import { FieldsRead } from './fieldsRead';
import { PlanDigests } from './planDigest';

export interface TranslationOptions {
  /** Batch: updating operators emit their final rows once, at the end of the (bounded) input. */
  readonly batch: boolean;
  /** Idle-state retention of aggregations, rankings and joins (Flink's table.exec.state.ttl). */
  readonly stateRetentionMs: number | undefined;
  /** Receives the dead-letter stream of each source that decodes text. */
  readonly deadLetters: DeadLetterOutlet;
  /** The stream of each table source already read in this job (a statement set reads each once). */
  readonly scans?: Map<TableSource, DataStream<Change>>;
}

export function windowAssigner(w: WindowSpec): WindowAssigner<TimeWindow> {
  switch (w.kind) {
    case 'TUMBLE':
      return TumblingEventTimeWindows.of(w.sizeMs);
    case 'HOP':
      return SlidingEventTimeWindows.of(w.sizeMs, w.slideMs);
    case 'CUMULATE':
      return cumulativeEventTimeWindows(w.stepMs, w.sizeMs);
    case 'SESSION':
      return EventTimeSessionWindows.withGap(w.gapMs);
    default:
      return absurd(w);
  }
}

/** The fields of each side's rows the join's expiry reads (see joinExpiry). */
function expiryFields(node: Extract<PlanNode, { kind: 'join' }>): readonly [number, number] | undefined {
  if (node.window !== undefined) return [node.window.leftEnd, node.window.rightEnd];
  if (node.interval !== undefined) return [node.interval.leftTime, node.interval.rightTime];
  return undefined;
}

/**
 * When rows of an interval or window join can match nothing more (see RowExpiry), each side's
 * functions reading a row as that side stores it (`layouts`: a list side's narrow rows).
 */
function joinExpiry(node: Extract<PlanNode, { kind: 'join' }>, layouts: readonly [StoredRowLayout | undefined, StoredRowLayout | undefined]): RowExpiry | undefined {
  if (node.window !== undefined) {
    const leftEnd = storedIndex(layouts[0], node.window.leftEnd);
    const rightEnd = storedIndex(layouts[1], node.window.rightEnd);
    return { left: (r) => (r[leftEnd] as number) - 1, right: (r) => (r[rightEnd] as number) - 1, cleanupEveryMs: 1 };
  }
  if (node.interval !== undefined) {
    const { lowerMs, upperMs } = node.interval;
    const leftTime = storedIndex(layouts[0], node.interval.leftTime);
    const rightTime = storedIndex(layouts[1], node.interval.rightTime);
    // A left row at t matches right rows in [t + lower, t + upper]; a right row at t left rows in [t - upper, t - lower].
    return {
      left: (r) => (r[leftTime] as number) + upperMs,
      right: (r) => (r[rightTime] as number) - lowerMs,
      rowTime: { left: (r) => r[leftTime] as number, right: (r) => r[rightTime] as number },
      // Half the width of the bounds: rows stay at most that much longer than they can match.
      cleanupEveryMs: Math.max(1, Math.floor((upperMs - lowerMs) / 2)),
    };
  }
  return undefined;
}

/**
 * The plan's operators, added to `env`'s job graph. Parts of the plan with equal digests
 * (planDigest.ts) are translated once, their stream read by each consumer.
 */
export function translate(node: PlanNode, env: StreamEnvironment, options: TranslationOptions): DataStream<Change> {
  return reusingTranslation(node, env, options)(node);
}

/**
 * The plan's rows as records of its column names, each with its kind made into what `finish`
 * makes of it (toDataStream, toChangelogStream). A Calc at the root and the making of records
 * are one operator, which builds each record straight from the Calc's input row.
 */
export function translateToRecords<T>(node: PlanNode, env: StreamEnvironment, options: TranslationOptions, finish: (kind: RowKind, record: Record<string, unknown>) => T): DataStream<T> {
  const input = reusingTranslation(node, env, options);
  const names = node.fields.map((f) => f.name);
  if (node.kind === 'calc') {
    const record = recordProjection(names, node.projections);
    const test = node.filter?.eval;
    return input(node.input)
      .flatMap<T>((c: Change, out: Collector<T>) => {
        if (test !== undefined && test(c.row) !== true) return;
        out.collect(finish(c.kind, record(c.row)));
      })
      .name('Calc');
  }
  const record = recordProjection(
    names,
    node.fields.map((_, i) => fieldRef(node.fields, i)),
  );
  return input(node).map<T>((c: Change) => finish(c.kind, record(c.row)) as NotAsync<T>).name('To records');
}

/** Translates nodes, each part of the plan whose digest (planDigest.ts) was seen before read from the same stream. */
function reusingTranslation(root: PlanNode, env: StreamEnvironment, options: TranslationOptions): (n: PlanNode) => DataStream<Change> {
  const digests = new PlanDigests();
  const fieldsRead = new FieldsRead(root);
  const translated = new Map<string, DataStream<Change>>();
  const reusing = (n: PlanNode): DataStream<Change> => {
    const digest = digests.digest(n);
    if (digest === undefined) return translateNode(n, env, options, reusing, fieldsRead);
    let stream = translated.get(digest);
    if (stream === undefined) translated.set(digest, (stream = translateNode(n, env, options, reusing, fieldsRead)));
    return stream;
  };
  return reusing;
}

/** One node; `input` translates its inputs. */
function translateNode(node: PlanNode, env: StreamEnvironment, options: TranslationOptions, input: (n: PlanNode) => DataStream<Change>, fieldsRead: FieldsRead): DataStream<Change> {
  switch (node.kind) {
    case 'invalid':
      throw new Error('an invalid plan cannot run (its problems were reported when it was planned)');
    case 'scan': {
      const { source } = node;
      const read = options.scans?.get(source);
      if (read !== undefined) return read;
      const computed = source.computed;
      const change = (row: Row): Change => ({ kind: '+I', row: computed.length === 0 ? row : [...row, ...computed.map((c) => c.eval(row))] });
      // A source that makes its rows in an operator of its own makes the changes there too (one operator, not two).
      let stream = (source.openMapped !== undefined ? source.openMapped(env, options.deadLetters, change) : source.open(env, options.deadLetters).map<Change>(change)).name(`Scan ${node.table}`);
      if (source.watermark !== undefined) {
        const { field, delayMs } = source.watermark;
        stream = stream
          .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Change>(delayMs).withTimestampAssigner((c) => c.row[field] as number))
          .name(`Watermarks ${node.table}`);
      }
      options.scans?.set(source, stream);
      return stream;
    }
    case 'calc': {
      const { projections, filter } = node;
      const project = rowProjection(projections);
      const test = filter?.eval;
      return input(node.input)
        .flatMap<Change>((c: Change, out: Collector<Change>) => {
          if (test !== undefined && test(c.row) !== true) return;
          out.collect({ kind: c.kind, row: project(c.row) });
        })
        .name('Calc');
    }
    case 'windowTvf': {
      const assigner = windowAssigner(node.window);
      const time = node.timeField;
      return input(node.input)
        .flatMap<Change>((c: Change, out: Collector<Change>) => {
          for (const w of assigner.assignWindows(c.row[time] as number)) out.collect({ kind: c.kind, row: [...c.row, w.start, w.end, w.end - 1] });
        })
        .name(`WindowTableFunction ${node.window.kind}`);
    }
    case 'windowAggregate': {
      if (node.windowing.kind === 'attached') {
        const { start, end } = node.windowing;
        const windowKey = rowKeySelector([...node.keys, fieldRef(node.input.fields, start), fieldRef(node.input.fields, end)]);
        return input(node.input)
          .keyBy(windowKey)
          .process(new AttachedWindowAggregateFunction(node.keys, start, end, node.aggregates))
          .name(`WindowAggregate ${node.window.kind}`);
      }
      const fused = joinWindowAggregate(node, options);
      if (fused !== undefined) return translateJoinWindowAggregate(fused, input, fieldsRead, options);
      const { aggregate, emit } = windowAggregation(node.keys, node.aggregates);
      return input(node.input)
        .keyBy(rowKeySelector(node.keys))
        .window(windowAssigner(node.window))
        .aggregate(aggregate, emit)
        .name(`WindowAggregate ${node.window.kind}`);
    }
    case 'groupAggregate':
      return input(node.input)
        .keyBy(rowKeySelector(node.keys))
        .process(new GroupAggregateFunction(node.keys, node.aggregates, { batch: options.batch, retentionMs: options.stateRetentionMs, retractingInput: node.input.updating }))
        .name('GroupAggregate');
    case 'rank': {
      const compare = rowComparator(node.orderBy);
      const range = { first: node.rankStart, last: node.limit ?? Infinity };
      const keyed = input(node.input).keyBy(rowKeySelector(node.partitionKeys));
      if (node.windowEnd !== undefined) return keyed.process(new WindowRankFunction(node.windowEnd, node.fn, compare, range)).name('WindowRank');
      const rank = new RankFunction({ fn: node.fn, compare, range, numbered: node.numbered, retracting: node.input.updating, batch: options.batch, retentionMs: options.stateRetentionMs });
      return keyed.process(rank).name(node.numbered ? 'Rank' : 'SortLimit');
    }
    case 'overAggregate':
      return translateOverAggregate(node, input(node.input), options);
    case 'temporalSort':
      return translateTemporalSort(node, input(node.input), options);
    case 'match':
      return translateMatch(node, input(node.input), options);
    case 'union': {
      const [first, ...rest] = node.inputs.map(input);
      return rest.length === 0 ? first : first.union(...rest);
    }
    case 'join': {
      const leftKey = rowKeySelector(node.leftKeys);
      const rightKey = rowKeySelector(node.rightKeys);
      const masks = fieldsRead.ofJoinInputs(node);
      const timeField = node.fields.findIndex((f) => f.rowtime === true);
      const maxJoin = windowMaxJoin(node, options);
      if (maxJoin !== undefined) {
        // Each side's rows keep only the fields read of them (the others NULL), before they are stored.
        const [leftKept, rightKept] = masks.map(rowKeeping);
        // The right side (the maxima of the left side's windows) is computed in the join itself.
        const kept = leftKept === undefined ? input(node.left) : input(node.left).map<Change>((c: Change) => ({ kind: c.kind, row: leftKept(c.row) }));
        const joined = kept
          .process(new WindowBinding(maxJoin))
          .name('Window binding')
          .keyBy((b: WindowBoundRow) => b.end)
          .process(new WindowMaxJoinFunction(maxJoin, leftKey, rightKey, node.condition, rightKept ?? ((row: Row) => row)))
          .name(`Join ${node.joinType} of window maxima`);
        return timeField < 0 ? joined : joined.transform<Change>('Join row time', () => new RowTimestampOperator(timeField));
      }
      const { keyed, args, listSides } = joinInputs(node, input, masks, options);
      const joined = keyed.process(new JoinFunction(...args)).name(`Join ${node.joinType}`);
      joined.node.retiredState = joinRetiredState(listSides);
      // An interval join keeps a time attribute (see keptTimeAttribute in planJoin.ts): its rows are timed by it.
      return timeField < 0 ? joined : joined.transform<Change>('Join row time', () => new RowTimestampOperator(timeField));
    }
    default:
      return absurd(node);
  }
}

type JoinNode = Extract<PlanNode, { kind: 'join' }>;

/**
 * A join's two inputs, each side's rows narrowed to the fields read of it and tagged with its
 * side, keyed by the join key; and the JoinFunction's arguments (an insert-only side that is not
 * padded with NULLs keeps its rows as a list, with no text per row).
 */
function joinInputs(node: JoinNode, input: (n: PlanNode) => DataStream<Change>, masks: readonly [readonly boolean[], readonly boolean[]], options: TranslationOptions) {
  const leftKey = rowKeySelector(node.leftKeys);
  const rightKey = rowKeySelector(node.rightKeys);
  const outer: [boolean, boolean] = [node.joinType === 'LEFT' || node.joinType === 'FULL', node.joinType === 'FULL'];
  const listSides = listSidesOf([node.left.updating, node.right.updating], outer);
  // A list side stores only the fields read of its rows (when they hold the time its expiry reads).
  const timeFields = expiryFields(node);
  const layouts = masks.map((mask, s) => {
    const layout = listSides[s] ? storedRowLayout(mask) : undefined;
    return layout !== undefined && timeFields !== undefined && storedIndex(layout, timeFields[s]) < 0 ? undefined : layout;
  }) as [StoredRowLayout | undefined, StoredRowLayout | undefined];
  // Any other side's rows keep only the fields read, the others NULL, before they are stored.
  const [leftKept, rightKept] = masks.map((mask, s) => (layouts[s] === undefined ? rowKeeping(mask) : undefined));
  const left = input(node.left).map<SideChange>(leftKept === undefined ? (change: Change) => ({ side: 0, change }) : (change: Change) => ({ side: 0, change: { kind: change.kind, row: leftKept(change.row) } }));
  const right = input(node.right).map<SideChange>(rightKept === undefined ? (change: Change) => ({ side: 1, change }) : (change: Change) => ({ side: 1, change: { kind: change.kind, row: rightKept(change.row) } }));
  const keyed = left.union(right).keyBy((s: SideChange) => (s.side === 0 ? leftKey(s.change) : rightKey(s.change)));
  const args: ConstructorParameters<typeof JoinFunction> = [outer, [node.left.fields.length, node.right.fields.length], node.condition, options.stateRetentionMs, joinExpiry(node, layouts), listSides, layouts];
  return { keyed, args, listSides };
}

/** A window aggregation over an interval join, as one operator (joinWindowAggregate.ts). */
function translateJoinWindowAggregate(fused: JoinWindowAggregate, input: (n: PlanNode) => DataStream<Change>, fieldsRead: FieldsRead, options: TranslationOptions): DataStream<Change> {
  const { aggregation, calc, join, timeField } = fused;
  const { keyed, args, listSides } = joinInputs(join, input, fieldsRead.ofJoinInputs(join), options);
  const groupKey = rowKeySelector(aggregation.keys);
  const keyEvals = aggregation.keys.map((k) => k.eval);
  const aggregated = keyed
    .process(
      new JoinWindowAggregateFunction(args, {
        project: rowProjection(calc.projections),
        filter: calc.filter?.eval,
        timeField,
        assigner: windowAssigner(aggregation.window),
        keyValues: (row) => keyEvals.map((k) => k(row)),
        groupKey: (row) => groupKey({ kind: '+I', row }),
        accumulations: aggregation.aggregates.map((a) => a.accumulation(false)),
      }),
    )
    .name(`Join ${join.joinType} and WindowAggregate ${aggregation.window.kind}`);
  aggregated.node.retiredState = joinRetiredState(listSides);
  return aggregated;
}

/** Sends the rows an operator found behind the watermark to the dead letters, with why. */
function reportLateRows(late: DataStream<LateRow>, operator: string, time: string, timeField: number, options: TranslationOptions): void {
  options.deadLetters(
    late
      .map((l) => ({
        table: operator,
        input: JSON.stringify(l.row),
        reason: `late: ${time} ${iso(l.row[timeField])} is not after the watermark ${iso(l.watermark)}, so the row cannot be put in order`,
      }))
      .name(`${operator} late rows`),
  );
}

/** An OVER aggregation keyed by its partition; its late rows go to the dead letters. */
function translateOverAggregate(node: Extract<PlanNode, { kind: 'overAggregate' }>, input: DataStream<Change>, options: TranslationOptions): DataStream<Change> {
  const over = input
    .keyBy(rowKeySelector(node.partitionKeys))
    .process(new OverAggregateFunction({ timeField: node.timeField, comparePeers: node.peerOrder.length === 0 ? undefined : rowComparator(node.peerOrder), frame: node.frame, aggregates: node.aggregates, recompute: node.recompute, retentionMs: options.stateRetentionMs }))
    .name('OverAggregate');
  reportLateRows(over.getSideOutput(overLateRows), 'OverAggregate', node.input.fields[node.timeField].name, node.timeField, options);
  return over;
}

/** MATCH_RECOGNIZE on the CEP engine, keyed by its partition; its late rows go to the dead letters. */
function translateMatch(node: Extract<PlanNode, { kind: 'match' }>, input: DataStream<Change>, options: TranslationOptions): DataStream<Change> {
  const matches = CEP.pattern(input.keyBy(rowKeySelector(node.partitionKeys)), node.pattern)
    .sideOutputLateData(matchLateRows)
    .process(new MatchRowFunction(node.partitionKeys, node.variables, node.measures))
    .name('Match');
  const time = node.input.fields[node.timeField].name;
  options.deadLetters(
    matches
      .getSideOutput(matchLateRows)
      .map((c) => ({ table: 'Match', input: JSON.stringify(c.row), reason: `late: ${time} ${iso(c.row[node.timeField])} was not after the watermark when it arrived, so the row cannot be matched in order` }))
      .name('Match late rows'),
  );
  return matches;
}

/** A temporal sort: one key, so one task sees every row (as Flink runs it, with parallelism 1); late rows go to the dead letters. */
function translateTemporalSort(node: Extract<PlanNode, { kind: 'temporalSort' }>, input: DataStream<Change>, options: TranslationOptions): DataStream<Change> {
  const sorted = input
    .keyBy(() => '')
    .process(new TemporalSortFunction(node.timeField, rowComparator(node.orderBy.slice(1))))
    .name('TemporalSort');
  reportLateRows(sorted.getSideOutput(sortLateRows), 'TemporalSort', node.input.fields[node.timeField].name, node.timeField, options);
  return sorted;
}

const iso = (t: unknown) => (typeof t === 'number' && Number.isFinite(t) ? new Date(t).toISOString() : String(t));
