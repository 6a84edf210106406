/**
 * What a Nexmark query costs in SQL beside its DataStream version (issue 22's aim: at most 1.5
 * times its CPU per event): each query's SQL text (sql.ts) and its DataStream job run in child
 * processes of their own (runQuery.js), one after the other, their order swapped every pair,
 * at the same event count; each measures its steady state itself (events/4 to the end).
 * The ratio is SQL's CPU per event ÷ DataStream's, the median of the pairs' ratios.
 *
 * `node build/samples/nexmark/sqlBeside.js [q0 … q8]`; NEXMARK_PAIRS pairs per query
 * (default 3). With BEFORE_BUILD=<another build/ directory> the SQL version on that build
 * (its runQuery.js must print `steady`: copy this build's over it) is run beside this one's
 * instead, and the ratio is before's CPU per event ÷ this build's.
 */
import * as os from 'os';
import * as path from 'path';
import { runChild } from '../bench/runChild';
import { QUERY_IDS, QueryId } from './queries';
import type { QueryRun } from './runQuery';

const PAIRS = Number(process.env.NEXMARK_PAIRS ?? 3);
const BEFORE_BUILD = process.env.BEFORE_BUILD;

/** Events per query: a few CPU-seconds for the SQL version on this 2-core machine. */
const EVENTS: Record<QueryId, number> = {
  q0: 1_500_000,
  q1: 1_500_000,
  q2: 1_500_000,
  q3: 1_500_000,
  q4: 300_000,
  q5: 400_000,
  q6: 200_000,
  q7: 400_000,
  q8: 1_000_000,
};

interface Side {
  readonly label: string;
  readonly run: (id: QueryId, events: number) => Promise<QueryRun>;
}

const here = path.join(__dirname, 'runQuery.js');
const sides: readonly [Side, Side] =
  BEFORE_BUILD === undefined
    ? [
        { label: 'SQL', run: (id, events) => runChild<QueryRun>(here, [id, 'sql', String(events)]) },
        { label: 'DataStream', run: (id, events) => runChild<QueryRun>(here, [id, 'memory', String(events)]) },
      ]
    : [
        { label: 'SQL before', run: (id, events) => runChild<QueryRun>(path.join(path.resolve(BEFORE_BUILD), 'samples', 'nexmark', 'runQuery.js'), [id, 'sql', String(events)]) },
        { label: 'SQL after', run: (id, events) => runChild<QueryRun>(here, [id, 'sql', String(events)]) },
      ];

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuPerEvent = (r: QueryRun) => {
  if (r.steady === undefined) throw new Error(`${r.query} ${r.runner}: no steady figures in its result line (an older runQuery.js: copy this build's over it)`);
  return r.steady.cpuSeconds / r.steady.events;
};
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const load = () => os.loadavg()[0].toFixed(1);

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(QUERY_IDS as string[]).includes(w));
  if (unknown.length > 0) throw new Error(`unknown queries ${unknown.join(', ')}; known: ${QUERY_IDS.join(', ')}`);
  if (!(Number.isInteger(PAIRS) && PAIRS >= 1)) throw new Error(`NEXMARK_PAIRS must be a positive integer, got ${process.env.NEXMARK_PAIRS}`);
  const selected = wanted.length === 0 ? QUERY_IDS : (wanted as QueryId[]);
  const [a, b] = sides;
  console.log(`${a.label} beside ${b.label}, steady CPU per event; ${PAIRS} pairs per query, load average ${load()} at start (${new Date().toISOString()})\n`);
  console.log(`| query | events | ${a.label} events/CPU-s | ${b.label} events/CPU-s | ${a.label} ÷ ${b.label}, CPU per event | pairs | outputs | load |`);
  console.log('| --- | ---: | ---: | ---: | ---: | --- | --- | --- |');
  for (const id of selected) {
    const events = EVENTS[id];
    const pairs: { a: QueryRun; b: QueryRun }[] = [];
    const loads: string[] = [];
    for (let i = 0; i < PAIRS; i++) {
      loads.push(load());
      if (i % 2 === 0) {
        const ra = await a.run(id, events);
        pairs.push({ a: ra, b: await b.run(id, events) });
      } else {
        const rb = await b.run(id, events);
        pairs.push({ a: await a.run(id, events), b: rb });
      }
    }
    const ratios = pairs.map((p) => cpuPerEvent(p.a) / cpuPerEvent(p.b));
    const outputs = [...new Set(pairs.flatMap((p) => [p.a.outputs, p.b.outputs]))].map(int).join(' / ');
    console.log(
      `| ${id} | ${int(events)} | ${int(median(pairs.map((p) => 1 / cpuPerEvent(p.a))))} | ${int(median(pairs.map((p) => 1 / cpuPerEvent(p.b))))} | **${median(ratios).toFixed(2)}** | ${ratios.map((r) => r.toFixed(2)).join(', ')} | ${outputs} | ${loads.join(', ')} |`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
