/**
 * The page views of the windows sample: deterministic (the same index always gives the same
 * view), 10,000 views per second of event time, out of order by up to 1.5 s, and a few
 * stragglers that arrive much later than their timestamp, placed so that the outcome of
 * each one is known in advance whatever the batch boundaries:
 *
 *  - an "update" straggler claims the middle of the previous 10 s window, and is emitted
 *    3-6 s into the current one: the watermark (bound 2 s) has passed the previous window's
 *    end by 1-4 s, within the allowed lateness of 5 s, so the window fires an update;
 *  - a "too late" straggler claims the window before that: more than 5 s past its end, so it
 *    goes to the late-data side output.
 */
import { lowbias32 } from '../common/lowbias32';

export interface PageView {
  readonly id: number;
  readonly page: string;
  /** Event time, ms since the epoch. */
  readonly at: number;
}

export const PAGES = ['/', '/pricing', '/docs', '/docs/windows', '/docs/state', '/blog', '/blog/flink-in-ts', '/signup', '/login', '/about'];
/** Views per second of event time. */
export const VIEWS_PER_SECOND = 10_000;
export const WINDOW_MS = 10_000;
/** Largest disorder of ordinary views; the watermark bound is above it, so they are never late. */
export const JITTER_MS = 1_500;
/** One view in this many may be a straggler. */
const STRAGGLER_EVERY = 2_000;
/** Event time of the first view: 2026-01-01 09:00:00 UTC. */
export const START = Date.UTC(2026, 0, 1, 9, 0, 0);

export type Straggler = 'update' | 'too late';

/** What kind of straggler view `index` is, if it is one. */
export function stragglerKind(index: number): Straggler | undefined {
  const h = lowbias32(index ^ 0x5bd1e995);
  if (h % STRAGGLER_EVERY !== 0) return undefined;
  const now = Math.floor((index * 1000) / VIEWS_PER_SECOND);
  const intoWindow = now % WINDOW_MS;
  // Only 3-6 s into a window, and not in the first two windows (which have no windows before them).
  if (now < 2 * WINDOW_MS || intoWindow < 3_000 || intoWindow >= 6_000) return undefined;
  return (h >>> 11) % 2 === 0 ? 'update' : 'too late';
}

/** The view at `index`. */
export function pageView(index: number): PageView {
  const h = lowbias32(index);
  // Pages by a power law: '/' gets about a third of the views, '/about' the fewest.
  const page = PAGES[Math.floor(PAGES.length * ((h % 10_007) / 10_007) ** 2)];
  const now = START + Math.floor((index * 1000) / VIEWS_PER_SECOND);
  const windowStart = now - ((now - START) % WINDOW_MS);
  switch (stragglerKind(index)) {
    case 'update':
      return { id: index, page, at: windowStart - WINDOW_MS / 2 };
    case 'too late':
      return { id: index, page, at: windowStart - WINDOW_MS - WINDOW_MS / 2 };
    case undefined:
      return { id: index, page, at: now - (lowbias32(h) % JITTER_MS) };
  }
}
