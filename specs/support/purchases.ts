/**
 * The purchases the SQL exactly-once specs query, and the exact results of their queries over
 * the first `events` of them, computed directly: in one thread
 * (specs/scenarios/sqlExactlyOnceAfterFailure.spec.ts) and on task managers
 * (specs/cluster/taskManagersSqlExactlyOnce.spec.ts).
 */
import { sortRows } from './changelog';

/** Purchase i: 23 users, amounts 1..5, event time 10 ms apart and up to 12 ms out of order. */
export const purchase = (i: number) => ({ user: `user-${(i * 7) % 23}`, amount: (i % 5) + 1, ts: i * 10 + ((i * 7919) % 13) });

/** GROUP BY user: the count and the sum of the amounts. */
export function referenceTotals(events: number): unknown[] {
  const totals = new Map<string, { n: number; total: number }>();
  for (let i = 0; i < events; i++) {
    const e = purchase(i);
    const t = totals.get(e.user) ?? { n: 0, total: 0 };
    totals.set(e.user, { n: t.n + 1, total: t.total + e.amount });
  }
  return sortRows([...totals].map(([user, t]) => ({ user, n: t.n, total: t.total })));
}

/** TUMBLE of 5 s per user: the count. */
export function referenceWindows(events: number): unknown[] {
  const windows = new Map<string, { user: string; window_start: number; n: number }>();
  for (let i = 0; i < events; i++) {
    const e = purchase(i);
    const start = Math.floor(e.ts / 5000) * 5000;
    const w = windows.get(`${e.user}/${start}`) ?? { user: e.user, window_start: start, n: 0 };
    windows.set(`${e.user}/${start}`, { ...w, n: w.n + 1 });
  }
  return sortRows([...windows.values()]);
}

/** Per user in event-time order (no user has two events at one time), the sum of its last 4 amounts. */
export function referenceLastFour(events: number): unknown[] {
  const byUser = new Map<string, { ts: number; amount: number }[]>();
  for (let i = 0; i < events; i++) {
    const e = purchase(i);
    byUser.set(e.user, [...(byUser.get(e.user) ?? []), e]);
  }
  const rows: unknown[] = [];
  for (const [user, list] of byUser) {
    list.sort((a, b) => a.ts - b.ts);
    list.forEach((e, i) => rows.push({ user, ts: e.ts, last4: list.slice(Math.max(0, i - 3), i + 1).reduce((s, x) => s + x.amount, 0) }));
  }
  return sortRows(rows);
}
