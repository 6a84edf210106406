import { expect } from 'chai';
import { RuntimeContext } from '../../src/api/RuntimeContext';
import { Change } from '../../src/sql/Change';
import { JOIN_ROWS_STATE_NAMES, JOIN_STATE_NAMES, JoinFunction, RowExpiry, SideChange } from '../../src/sql/runtime/JoinFunction';
import { Row } from '../../src/sql/types';

/** JoinFunction with its states as plain maps and values of one key, and its timer registrations recorded. */
function harness(expiry: RowExpiry, listSides: readonly [boolean, boolean] = [false, false]) {
  const join = new JoinFunction([false, false], [2, 2], undefined, undefined, expiry, listSides);
  const maps = new Map<string, Map<unknown, unknown>>();
  const mapState = (name: string) => {
    const m = new Map<unknown, unknown>();
    maps.set(name, m);
    return {
      get: (k: unknown) => m.get(k),
      put: (k: unknown, v: unknown) => void m.set(k, v),
      remove: (k: unknown) => void m.delete(k),
      entries: () => [...m.entries()],
      isEmpty: () => m.size === 0,
      clear: () => m.clear(),
    };
  };
  const values = new Map<string, Row[] | undefined>();
  const valueState = (name: string) => ({
    value: () => values.get(name),
    update: (v: Row[]) => void values.set(name, v),
    clear: () => void values.delete(name),
  });
  join.open({ getMapState: (d: { name: string }) => mapState(d.name), getState: (d: { name: string }) => valueState(d.name) } as unknown as RuntimeContext);
  const timers: number[] = [];
  let watermark = -Infinity;
  const ctx = {
    timerService: () => ({ currentWatermark: () => watermark, registerEventTimeTimer: (t: number) => void timers.push(t) }),
  } as never;
  const out: Change[] = [];
  const collector = { collect: (c: Change) => void out.push(c) };
  return {
    timers,
    out,
    sizes: () => JOIN_STATE_NAMES.map((name) => maps.get(name)!.size),
    listSizes: () => JOIN_ROWS_STATE_NAMES.map((name) => values.get(name)?.length ?? 0),
    add: (side: 0 | 1, row: Row) => join.processElement({ side, change: { kind: '+I', row } } as SideChange, ctx, collector),
    fire: (t: number) => {
      watermark = t;
      join.onTimer(t, ctx, collector);
    },
  };
}

describe('sql/runtime/JoinFunction: the state of window and interval joins', () => {
  it('a window join registers one timer per window (its key), and drops both sides of the window when it fires', () => {
    // Rows: [window_end, value]; a window's rows can match nothing once its last millisecond passed.
    const h = harness({ left: (r) => (r[0] as number) - 1, right: (r) => (r[0] as number) - 1, cleanupEveryMs: 1 });
    h.add(0, [100, 'a']);
    h.add(0, [100, 'b']);
    h.add(1, [100, 'x']);
    h.add(1, [100, 'y']);
    expect(h.timers).to.deep.equal([99]);
    expect(h.out.map((c) => c.row)).to.deep.equal([
      [100, 'a', 100, 'x'],
      [100, 'b', 100, 'x'],
      [100, 'a', 100, 'y'],
      [100, 'b', 100, 'y'],
    ]);
    expect(h.sizes()).to.deep.equal([2, 2]);
    h.fire(99);
    expect(h.sizes()).to.deep.equal([0, 0]);
    // Behind the watermark now: late, neither joined nor kept.
    h.add(0, [100, 'c']);
    expect(h.out).to.have.length(4);
    expect(h.sizes()).to.deep.equal([0, 0]);
  });

  it('an interval join registers a timer per stored row and drops, when one fires, only the rows expired by then', () => {
    // Rows: [time, value]; a left row matches right rows up to 10 ms after it, a right row left rows up to 10 ms before.
    const h = harness({ left: (r) => (r[0] as number) + 10, right: (r) => r[0] as number, rowTime: { left: (r) => r[0] as number, right: (r) => r[0] as number }, cleanupEveryMs: 5 });
    h.add(0, [1, 'a']);
    h.add(0, [7, 'b']);
    h.add(1, [12, 'x']);
    expect(h.timers).to.deep.equal([15, 20, 15]);
    h.fire(15);
    expect(h.sizes()).to.deep.equal([1, 0]);
  });

  it("an interval join's list side registers a row's timer only when the list's last row has another cleanup time, and drops the rows expired when one fires", () => {
    const h = harness({ left: (r) => (r[0] as number) + 10, right: (r) => r[0] as number, rowTime: { left: (r) => r[0] as number, right: (r) => r[0] as number }, cleanupEveryMs: 5 }, [true, true]);
    h.add(0, [1, 'a']); // expires at 11: timer 15
    h.add(0, [2, 'b']); // 12, as the last row: none
    h.add(0, [7, 'c']); // 17: timer 20
    h.add(0, [3, 'd']); // 13, the last row's is 20: timer 15 again (the timer service keeps one)
    h.add(1, [12, 'x']); // the other side's first row: timer 15
    h.add(1, [13, 'y']); // as the last row: none
    expect(h.timers).to.deep.equal([15, 20, 15, 15]);
    h.fire(15);
    expect(h.listSizes()).to.deep.equal([1, 0]);
    h.add(0, [8, 'e']); // 18, as the last row (7, kept): none
    expect(h.timers).to.have.length(4);
    h.fire(20);
    expect(h.listSizes()).to.deep.equal([0, 0]);
  });
});
