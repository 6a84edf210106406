/**
 * The page-view events of the sample, generated deterministically from their index: the same
 * index always gives the same event, so every run (and every parallelism) sees the same input.
 * User activity is skewed as real traffic is: a few users make a large share of the views.
 */
import { lowbias32 } from '../common/lowbias32';

export interface PageView {
  readonly userId: number;
  readonly page: string;
  /** Time spent on the page. */
  readonly durationMs: number;
  /** Event time, milliseconds since the epoch: one view every 2 ms from START_MS. */
  readonly at: number;
}

export const USERS = 10_000;
const START_MS = Date.UTC(2024, 0, 1);
/** Health-check pings mixed into the traffic, which the job drops. */
export const HEALTH_CHECK = '/health';

const PAGES = ['/', '/search', '/product', '/product', '/product', '/cart', '/checkout', '/account'];

/** A uniform number in [0, 1) drawn from `index` and a `stream` number. */
function uniform(index: number, stream: number): number {
  return lowbias32(index * 4 + stream) / 4294967296;
}

/**
 * The view at `index`. Users are drawn with a power law (u³), so user rank 0 makes ~5% of all
 * views and the median user a few dozen per million; ranks are spread over ids by an
 * affine permutation (7919 is prime to 10,000), so heavy users are not simply the lowest ids.
 */
export function pageView(index: number): PageView {
  const rank = Math.floor(USERS * uniform(index, 0) ** 3);
  const userId = (rank * 7919 + 3643) % USERS;
  const p = uniform(index, 1);
  const page = p < 0.01 ? HEALTH_CHECK : PAGES[Math.floor(p * PAGES.length)];
  // Mostly a few seconds, sometimes minutes: an exponential with a 8 s mean, capped at 10 min.
  const durationMs = Math.min(600_000, Math.round(-8000 * Math.log(1 - uniform(index, 2))));
  return { userId, page, durationMs, at: START_MS + index * 2 };
}

export function formatUser(userId: number): string {
  return `user-${String(userId).padStart(4, '0')}`;
}
