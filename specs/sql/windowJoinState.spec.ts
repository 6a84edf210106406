import { expect } from 'chai';
import { RuntimeContext } from '../../src/api/RuntimeContext';
import { Change } from '../../src/sql/Change';
import { JOIN_STATE_NAMES, JoinFunction, RowExpiry, SideChange } from '../../src/sql/runtime/JoinFunction';
import { Row } from '../../src/sql/types';

/** JoinFunction with its map states as plain maps of one key, and its timer registrations recorded. */
function harness(expiry: RowExpiry) {
  const join = new JoinFunction([false, false], [2, 2], undefined, undefined, expiry);
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
  join.open({ getMapState: (d: { name: string }) => mapState(d.name) } as unknown as RuntimeContext);
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
});
