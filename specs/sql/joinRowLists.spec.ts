import { expect } from 'chai';
import fc from 'fast-check';
import { isLeft } from 'fp-ts/Either';
import { RuntimeContext } from '../../src/api/RuntimeContext';
import { Change } from '../../src/sql/Change';
import { Compiled } from '../../src/sql/compileExpression';
import { JOIN_ROWS_STATE_NAMES, JoinFunction, RowExpiry, SideChange, joinEntrySerializer, joinRowIdSerializer, joinRowsSerializer } from '../../src/sql/runtime/JoinFunction';
import { Row } from '../../src/sql/types';
import { MapStateDescriptor, ValueStateDescriptor } from '../../src/state/StateDescriptor';
import { Serializer } from '../../src/state/Serializer';

/**
 * A join side whose input is insert-only keeps its rows as a list (JoinFunction's list sides);
 * the map of rows by their text stays for sides that retract or are padded with NULLs. Here the
 * list path runs beside the map path on the same random inputs, one key, with its timers fired
 * as a timer service fires them and its state written and read back (as a checkpoint and a
 * restore do) at random points.
 */

const roundTrip = <T>(s: Serializer<T>, v: T): T => {
  const read = s.deserialize(s.serialize(v));
  if (isLeft(read)) throw new Error(read.left);
  return read.right;
};

/** JoinFunction over plain state of one key; `checkpoint` writes its state and reads it back. */
function harness(outer: [boolean, boolean], listSides: [boolean, boolean], condition: Compiled | undefined, expiry: RowExpiry | undefined) {
  const join = new JoinFunction(outer, [3, 3], condition, undefined, expiry, listSides);
  const maps = new Map<string, Map<string, unknown>>();
  const values = new Map<string, Row[] | undefined>();
  const mapState = (d: MapStateDescriptor<string, never>) => {
    const m = new Map<string, unknown>();
    maps.set(d.name, m);
    return {
      get: (k: string) => maps.get(d.name)!.get(k),
      put: (k: string, v: unknown) => void maps.get(d.name)!.set(k, v),
      remove: (k: string) => void maps.get(d.name)!.delete(k),
      entries: () => [...maps.get(d.name)!.entries()],
      isEmpty: () => maps.get(d.name)!.size === 0,
      clear: () => maps.get(d.name)!.clear(),
    };
  };
  const valueState = (d: ValueStateDescriptor<Row[]>) => ({
    value: () => values.get(d.name),
    update: (v: Row[]) => void values.set(d.name, v),
    clear: () => void values.delete(d.name),
  });
  join.open({ getMapState: mapState, getState: valueState } as unknown as RuntimeContext);
  const pending = new Set<number>();
  let watermark = -Infinity;
  const ctx = {
    timerService: () => ({
      currentWatermark: () => watermark,
      registerEventTimeTimer: (t: number) => {
        pending.add(t);
      },
    }),
  } as never;
  const out: Change[] = [];
  const collector = { collect: (c: Change) => void out.push(c) };
  return {
    out,
    send: (side: 0 | 1, change: Change) => join.processElement({ side, change } as SideChange, ctx, collector),
    /** Fires the pending timers the watermark reached, earliest first, as the timer service does. */
    advance: (to: number) => {
      watermark = Math.max(watermark, to);
      for (const t of [...pending].sort((a, b) => a - b)) {
        if (t > watermark) break;
        pending.delete(t);
        join.onTimer(t, ctx, collector);
      }
    },
    checkpoint: () => {
      for (const [name, v] of values) values.set(name, v === undefined ? undefined : roundTrip(joinRowsSerializer, v));
      for (const [name, m] of maps) {
        const read = new Map<string, unknown>();
        for (const [k, v] of m) read.set(roundTrip(joinRowIdSerializer, k), roundTrip(joinEntrySerializer, v as never));
        maps.set(name, read);
      }
    },
    /** Each side's rows, in the order it keeps them (a map's rows each `count` times). */
    rows: () =>
      ([0, 1] as const).map((side) =>
        listSides[side]
          ? (values.get(JOIN_ROWS_STATE_NAMES[side]) ?? []).map((r) => JSON.stringify(r))
          : [...(maps.get(side === 0 ? 'join-left-kept' : 'join-right-kept')?.entries() ?? [])].flatMap(([id, e]) => new Array((e as [unknown, number])[1]).fill(id) as string[]),
      ),
  };
}

type Op = { op: 'add'; side: 0 | 1; ahead: number; v: number } | { op: 'retract'; pick: number } | { op: 'watermark'; ahead: number } | { op: 'checkpoint' };

const ops = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('add' as const), side: fc.constantFrom(0 as const, 1 as const), ahead: fc.integer({ min: 0, max: 20 }), v: fc.integer({ min: 0, max: 2 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('retract' as const), pick: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('watermark' as const), ahead: fc.integer({ min: 0, max: 15 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('checkpoint' as const) }) },
  ),
  { maxLength: 60 },
);

/** Rows [time, v, seq]: joined rows [lt, lv, lseq, rt, rv, rseq]; the condition, when set, left v <= right v. */
const lessOrEqual: Compiled = { type: 'BOOLEAN', eval: (row: Row) => (row[1] as number) <= (row[4] as number), text: 'l.v <= r.v' } as unknown as Compiled;
/** A left row matches right rows up to 10 ms after it; cleanup every 5 ms. */
const interval: RowExpiry = { left: (r) => (r[0] as number) + 10, right: (r) => r[0] as number, rowTime: { left: (r) => r[0] as number, right: (r) => r[0] as number }, cleanupEveryMs: 5 };

const shapes = fc.record({
  join: fc.constantFrom('INNER' as const, 'LEFT' as const),
  condition: fc.constantFrom(undefined, lessOrEqual),
  expiry: fc.constantFrom(undefined, interval),
  distinct: fc.boolean(),
});

/** Runs the ops on the list path and the map path; the outputs of each op, and each side's rows after it. */
function runBoth(shape: { join: 'INNER' | 'LEFT'; condition: Compiled | undefined; expiry: RowExpiry | undefined; distinct: boolean }, steps: readonly Op[]) {
  const outer: [boolean, boolean] = [shape.join === 'LEFT', false];
  // The left side of a LEFT JOIN is padded with NULLs: it keeps its map; the right is a list.
  const lists: [boolean, boolean] = shape.join === 'LEFT' ? [false, true] : [true, true];
  const paths = [harness(outer, lists, shape.condition, shape.expiry), harness(outer, [false, false], shape.condition, shape.expiry)];
  let time = 0;
  let seq = 0;
  // Left rows added and not taken back: a LEFT JOIN's left side (a map on both paths) may retract them, when rows never expire.
  const present: Row[] = [];
  const result: { outputs: Change[][][]; rows: string[][][][] } = { outputs: [[], []], rows: [[], []] };
  for (const step of steps) {
    const before = paths.map((p) => p.out.length);
    if (step.op === 'add') {
      const row: Row = [time + step.ahead, step.v, shape.distinct ? ++seq : 0];
      for (const p of paths) p.send(step.side, { kind: '+I', row });
      if (step.side === 0) present.push(row);
    } else if (step.op === 'retract') {
      if (shape.join !== 'LEFT' || shape.expiry !== undefined || present.length === 0) continue;
      const row = present.splice(step.pick % present.length, 1)[0];
      for (const p of paths) p.send(0, { kind: '-D', row });
    } else if (step.op === 'watermark') {
      time += step.ahead;
      for (const p of paths) p.advance(time);
    } else for (const p of paths) p.checkpoint();
    paths.forEach((p, i) => {
      result.outputs[i].push(p.out.slice(before[i]));
      result.rows[i].push(p.rows());
    });
  }
  return { result, paths };
}

const sorted = (changes: readonly Change[]) => changes.map((c) => JSON.stringify(c)).sort();

describe('sql/runtime/JoinFunction: an insert-only side kept as a list', () => {
  it("writes a list's text as JSON.stringify does, however it grew between writes, and reads it back", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.array(fc.tuple(fc.integer(), fc.string(), fc.constantFrom(null, 1.5, true)), { maxLength: 4 }), fc.constant('new' as const)), { maxLength: 30 }), (writes) => {
        let rows: Row[] = [];
        for (const w of writes) {
          if (w === 'new') rows = [];
          else rows.push(...w);
          const text = joinRowsSerializer.serialize(rows);
          expect(text).to.equal(JSON.stringify(rows));
          expect(joinRowsSerializer.deserialize(text)).to.deep.equal({ _tag: 'Right', right: JSON.parse(JSON.stringify(rows)) });
        }
      }),
    );
  });

  it("refuses text that is not an array of rows, saying what a side's rows are", () => {
    for (const bad of ['{"rows":[]}', '[1,2]', '[[1],"a"]', 'not json']) expect(isLeft(joinRowsSerializer.deserialize(bad)), bad).to.equal(true);
    const read = joinRowsSerializer.deserialize('[1,2]');
    expect(isLeft(read) && read.left).to.equal("a join side's rows are an array of rows (arrays), got [1,2]");
  });

  it('joins as the map of rows does, on any inputs: the same outputs for each input (in the same order when rows differ), the same rows kept, across checkpoints and cleanups', () => {
    fc.assert(
      fc.property(shapes, ops, (shape, steps) => {
        const { result } = runBoth(shape, steps);
        const [list, map] = result.outputs;
        for (let i = 0; i < list.length; i++) {
          if (shape.distinct) expect(list[i], `step ${i}`).to.deep.equal(map[i]);
          else expect(sorted(list[i]), `step ${i}`).to.deep.equal(sorted(map[i]));
          const [listRows, mapRows] = [result.rows[0][i], result.rows[1][i]];
          if (shape.distinct) expect(listRows, `rows after step ${i}`).to.deep.equal(mapRows);
          else expect(listRows.map((side) => [...side].sort()), `rows after step ${i}`).to.deep.equal(mapRows.map((side) => [...side].sort()));
        }
      }),
      { numRuns: 300 },
    );
  });
});
