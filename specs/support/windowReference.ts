/**
 * What the window reference specs share: random out-of-order streams, the settings they run
 * with, and the watermark each record meets, computed directly from the input.
 */
import fc from 'fast-check';

export interface Event {
  id: number;
  key: string;
  t: number;
}

/**
 * The watermark each record meets, for a non-parallel source chained to a bounded
 * out-of-orderness strategy: the one emitted after the source batch before it.
 */
export function watermarksAtArrival(events: readonly Event[], batchSize: number, bound: number): number[] {
  const at: number[] = [];
  let watermark = -Infinity;
  let max = -Infinity;
  events.forEach((e, i) => {
    at.push(watermark);
    max = Math.max(max, e.t);
    if ((i + 1) % batchSize === 0) watermark = Math.max(watermark, max - bound - 1);
  });
  return at;
}

/** Out-of-order streams: timestamps drift forward with jumps back, some beyond the bound. */
export const outOfOrderStreams = fc
  .array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), step: fc.integer({ min: 0, max: 7 }), back: fc.integer({ min: 0, max: 30 }) }), { minLength: 1, maxLength: 120 })
  .map((steps) => {
    let now = 0;
    return steps.map((s, id): Event => {
      now += s.step;
      return { id, key: s.key, t: Math.max(0, now - (s.back > 22 ? s.back : s.back % 4)) };
    });
  });

/** Streams in timestamp order (for session windows, which lag the watermark by their gap). */
export const orderedStreams = (keys: readonly string[]) =>
  fc.array(fc.record({ key: fc.constantFrom(...keys), step: fc.integer({ min: 0, max: 9 }) }), { minLength: 1, maxLength: 100 }).map((steps) => {
    let now = 0;
    return steps.map((s, id): Event => ({ id, key: s.key, t: (now += s.step) }));
  });

/** Source batch size, watermark bound and allowed lateness. */
export const runSettings = fc.record({ batchSize: fc.integer({ min: 1, max: 8 }), bound: fc.integer({ min: 0, max: 5 }), lateness: fc.integer({ min: 0, max: 12 }) });

/** The windows of [start, end) of a tumbling or sliding assigner that `t` belongs to. */
export function fixedWindowsOf(size: number, slide: number): (t: number) => Array<[number, number]> {
  return (t) => {
    const out: Array<[number, number]> = [];
    for (let start = t - (t % slide); start > t - size; start -= slide) out.push([start, start + size]);
    return out;
  };
}

/** Each key's sessions: its records (in timestamp order) split where the gap is exceeded. */
export function sessionsOf<E extends Event>(events: readonly E[], key: string, gap: number): E[][] {
  const sessions: E[][] = [];
  for (const e of events.filter((x) => x.key === key)) {
    const current = sessions[sessions.length - 1];
    if (current !== undefined && e.t <= current[current.length - 1].t + gap) current.push(e);
    else sessions.push([e]);
  }
  return sessions;
}
