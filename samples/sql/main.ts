/**
 * Page-view analytics in SQL: the three most viewed pages of every 10 s of event time (a
 * window aggregation and a window Top-N), over out-of-order views from a generator, checked
 * against the same figures computed directly.
 *
 *   views (generator) -> fromDataStream (WATERMARK 2 s) -> TUMBLE 10 s, COUNT per page
 *     -> ROW_NUMBER() per window, rownum <= 3 -> collected
 *
 * Run it with `node build/samples/sql/main.js` (after `make build`); SQL_VIEWS sets the
 * number of views (default 200,000).
 */
import { StreamEnvironment } from '../../src';
import { TableEnvironment } from '../../src/sql';

interface View {
  page: string;
  user: string;
  ts: number;
}

/** View i: 40 pages, some far more popular than others; timestamps out of order by up to 1.5 s. */
export const view = (i: number): View => ({
  page: `/page/${Math.floor(Math.sqrt((i * 7919) % 1600))}`,
  user: `user-${(i * 31) % 97}`,
  ts: i * 5 + ((i * 104_729) % 1500),
});

const QUERY = `
  SELECT window_start, page, \`views\`, rownum FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY \`views\` DESC, page ASC) AS rownum
    FROM (
      SELECT window_start, window_end, page, COUNT(*) AS \`views\`
      FROM TABLE(TUMBLE(TABLE \`views\`, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      GROUP BY window_start, window_end, page))
  WHERE rownum <= 3`;

interface TopPage {
  window_start: number;
  page: string;
  views: number;
  rownum: number;
}

/** The same figures computed with plain loops. */
function reference(count: number): TopPage[] {
  const perWindow = new Map<number, Map<string, number>>();
  for (let i = 0; i < count; i++) {
    const v = view(i);
    const start = Math.floor(v.ts / 10_000) * 10_000;
    const pages = perWindow.get(start) ?? new Map<string, number>();
    pages.set(v.page, (pages.get(v.page) ?? 0) + 1);
    perWindow.set(start, pages);
  }
  return [...perWindow].flatMap(([start, pages]) =>
    [...pages]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([page, views], i) => ({ window_start: start, page, views, rownum: i + 1 })),
  );
}

const key = (r: TopPage) => `${r.window_start}/${r.rownum}/${r.page}/${r.views}`;

export async function runSample(count: number): Promise<{ windows: number; mismatches: number; rows: TopPage[]; ms: number }> {
  const env = StreamEnvironment.create({ parallelism: 2, logging: { pretty: true } }); // log lines on stderr, one readable line each
  const tEnv = TableEnvironment.create(env);
  const views = env.fromGenerator(count, view).setParallelism(1);
  tEnv.createTemporaryView('views', tEnv.fromDataStream(views, "page STRING, `user` STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND"));
  const started = Date.now();
  const rows = (await tEnv.sqlQuery(QUERY).toDataStream().executeAndCollect()) as unknown as TopPage[];
  const ms = Date.now() - started;
  const expected = new Set(reference(count).map(key));
  const actual = new Set(rows.map(key));
  const mismatches = [...expected].filter((k) => !actual.has(k)).length + [...actual].filter((k) => !expected.has(k)).length;
  return { windows: new Set(rows.map((r) => r.window_start)).size, mismatches, rows, ms };
}

async function main(): Promise<void> {
  const count = Number(process.env.SQL_VIEWS ?? 200_000);
  const { windows, mismatches, rows, ms } = await runSample(count);
  const first = rows.filter((r) => r.window_start === 0).sort((a, b) => a.rownum - b.rownum);
  console.log(`top pages of the first 10 s: ${first.map((r) => `${r.rownum}. ${r.page} (${r.views})`).join(', ')}`);
  console.log(`${count} views, ${windows} windows ranked in ${ms} ms; ${mismatches === 0 ? 'every row matches the reference' : `${mismatches} rows differ from the reference`}`);
  if (mismatches !== 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
