/**
 * What a Nexmark query costs in SQL beside its DataStream version (issue 22's aim: at most 1.5
 * times its CPU per event): each query's SQL text (sql.ts) and its DataStream job run in child
 * processes of their own (runQuery.js), one after the other, their order rotated every round,
 * at the same event count; each measures its steady state itself (events/4 to the end). The
 * ratio is SQL's CPU per event ÷ DataStream's, the median of the rounds' ratios.
 *
 * `node build/samples/nexmark/sqlBeside.js [q0 … q8]`; NEXMARK_PAIRS rounds per query
 * (default 3). With BEFORE_BUILD=<another build/ directory>, the SQL version on that build
 * runs in each round too (its runQuery.js must print `steady`: copy this build's over it), and
 * the table adds its ratio to DataStream and before ÷ after.
 */
import * as os from 'os';
import * as path from 'path';
import { runChild } from '../bench/runChild';
import { alternateRounds, roundsCell, roundsFromEnv } from '../common/alternate';
import { median } from '../common/median';
import { QUERY_IDS, QueryId } from './queries';
import type { QueryRun } from './runQuery';

const BEFORE_BUILD = process.env.BEFORE_BUILD;

/** Events per query: a few CPU-seconds for the SQL version on this 2-core machine. */
const EVENTS: Record<QueryId, number> = {
  q0: 1_500_000,
  q1: 1_500_000,
  q2: 1_500_000,
  q3: 1_500_000,
  q4: 200_000,
  q5: 300_000,
  q6: 150_000,
  q7: 150_000,
  q8: 1_000_000,
};

type SideName = 'DataStream' | 'SQL' | 'SQL before';

const runQuery = (build: string, id: QueryId, runner: 'sql' | 'memory', events: number) => runChild<QueryRun>(path.join(build, 'samples', 'nexmark', 'runQuery.js'), [id, runner, String(events)]);
const thisBuild = path.resolve(__dirname, '..', '..');
const SIDES: Readonly<Record<SideName, (id: QueryId, events: number) => Promise<QueryRun>>> = {
  DataStream: (id, events) => runQuery(thisBuild, id, 'memory', events),
  SQL: (id, events) => runQuery(thisBuild, id, 'sql', events),
  'SQL before': (id, events) => runQuery(path.resolve(BEFORE_BUILD ?? thisBuild), id, 'sql', events),
};

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
  const roundCount = roundsFromEnv('NEXMARK_PAIRS', 3);
  const selected = wanted.length === 0 ? QUERY_IDS : (wanted as QueryId[]);
  const sides: SideName[] = BEFORE_BUILD === undefined ? ['SQL', 'DataStream'] : ['SQL', 'DataStream', 'SQL before'];
  const ratios: { readonly label: string; readonly of: (round: Record<SideName, QueryRun>) => number }[] = [
    { label: 'SQL ÷ DataStream, CPU per event', of: (r) => cpuPerEvent(r.SQL) / cpuPerEvent(r.DataStream) },
    ...(BEFORE_BUILD === undefined
      ? []
      : [
          { label: 'SQL before ÷ DataStream', of: (r: Record<SideName, QueryRun>) => cpuPerEvent(r['SQL before']) / cpuPerEvent(r.DataStream) },
          { label: 'SQL before ÷ SQL', of: (r: Record<SideName, QueryRun>) => cpuPerEvent(r['SQL before']) / cpuPerEvent(r.SQL) },
        ]),
  ];
  console.log(`${sides.join(', ')}: steady CPU per event; ${roundCount} rounds per query, load average ${load()} at start (${new Date().toISOString()})${BEFORE_BUILD ? `; before: ${BEFORE_BUILD}` : ''}\n`);
  console.log(`| query | events | ${sides.map((s) => `${s} events/CPU-s`).join(' | ')} | ${ratios.map((r) => `${r.label} (rounds)`).join(' | ')} | outputs | load |`);
  console.log(`| --- | ---: | ${sides.map(() => '---:').join(' | ')} | ${ratios.map(() => '---').join(' | ')} | --- | --- |`);
  for (const id of selected) {
    const events = EVENTS[id];
    const loads: string[] = [];
    const rounds = await alternateRounds(sides, roundCount, (side) => SIDES[side](id, events), () => loads.push(load()));
    const outputs = [...new Set(rounds.flatMap((r) => sides.map((s) => r[s].outputs)))].map(int).join(' / ');
    const rates = sides.map((s) => int(median(rounds.map((r) => 1 / cpuPerEvent(r[s])))));
    const ratioCells = ratios.map(({ of }) => roundsCell(rounds.map(of)));
    console.log(`| ${id} | ${int(events)} | ${rates.join(' | ')} | ${ratioCells.join(' | ')} | ${outputs} | ${loads.join(', ')} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
