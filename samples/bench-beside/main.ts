/**
 * `make bench-beside BEFORE_BUILD=<another build/ directory>` (issue 22: no other row of make
 * bench regresses, shown before and after in one run): every row of make bench — the Sluice
 * side of each of samples/bench's benchmarks, each Nexmark query on memory and (stateful ones)
 * on Redis, each exchange configuration, each bench-instances run, each latency run — on the
 * build before and on this one, alternated round by round (sqlBeside.ts's way: each round
 * starts with the other build), each run a process of its own through that build's per-case
 * runner (besideRows.ts), so neither build warms the other. Prints a markdown table
 * (besideReport.ts): each build's median figure, after ÷ before of every round (per
 * CPU-second where the row measures CPU, wall-clock otherwise, the latency itself for a latency
 * row), whether both builds gave the same outputs, and the load average as each round began.
 *
 * Arguments: rows, or their prefixes (`bench`, `nexmark/q5`, `exchange/bids`; default all).
 * Environment: BEFORE_BUILD (required), BESIDE_ROUNDS (default 3); what the drivers read
 * (LATENCY_SECONDS, BENCH_INSTANCES_EVENTS, SLUICE_REDIS_URL, REDIS_URL); SLUICE_LOG_LEVEL of the
 * runs (default error). A row the before build
 * lacks is reported as such; one whose service is missing is skipped, as make bench skips it.
 * Exits 1 when a row's outputs differ or a run fails.
 */
import { existsSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runChild } from '../bench/runChild';
import { BenchProgress } from '../common/benchProgress';
import { alternateRounds, roundsFromEnv } from '../common/alternate';
import { HEADER, Outcome, Sample, chosen, outputsAgree, rowLine, summaryLines } from './besideReport';
import { BesideRow, besideRow, finishRows } from './besideRows';

const progress = new BenchProgress();
const THIS_BUILD = path.resolve(__dirname, '..', '..');

async function measure(row: BesideRow, builds: { readonly before: string; readonly after: string }, rounds: number): Promise<Outcome> {
  const prepared = await row.prepare(builds);
  if ('skipped' in prepared) return { id: row.id, kind: 'skipped', why: prepared.skipped };
  const loads: number[] = [];
  progress.begin(row.id);
  try {
    const all = await alternateRounds(
      ['before', 'after'] as const,
      rounds,
      async (side, round) => {
        progress.run(`round ${round + 1} of ${rounds}, ${side}`);
        const sample = await row.run(builds[side], prepared.env);
        progress.ran(side === 'before' ? 'b' : 'a');
        return sample;
      },
      () => loads.push(os.loadavg()[0]),
    );
    const of = (side: 'before' | 'after'): Sample[] => all.map((r) => r[side]);
    return { id: row.id, kind: 'measured', figure: prepared.figure ?? row.figure, before: of('before'), after: of('after'), loads };
  } catch (e) {
    return { id: row.id, kind: 'failed', why: (e instanceof Error ? e.message : String(e)).split('\n')[0] };
  } finally {
    progress.end();
  }
}

async function main(): Promise<void> {
  const beforeText = process.env.BEFORE_BUILD;
  if (beforeText === undefined || beforeText === '') throw new Error('BEFORE_BUILD=<another build/ directory> is required (e.g. git worktree add /tmp/before <commit> && cd /tmp/before && cp -a <this checkout>/node_modules . && make build; then BEFORE_BUILD=/tmp/before/build)');
  const before = path.resolve(beforeText);
  if (!existsSync(path.join(before, 'samples'))) throw new Error(`${before} is no build/ directory (no samples/ in it)`);
  const rounds = roundsFromEnv('BESIDE_ROUNDS', 3);
  // The runs' job logs (info, and the uid warnings of the benchmarks' sources) say nothing here.
  process.env.SLUICE_LOG_LEVEL ??= 'error';
  const wanted = process.argv.slice(2);
  const list = (build: string) => runChild<string[]>(path.join(__dirname, 'listRows.js'), [build]);
  const [afterIds, beforeIds] = [await list(THIS_BUILD), new Set(await list(before))];
  const ids = afterIds.filter((id) => chosen(id, wanted));
  if (ids.length === 0) throw new Error(`no row matches ${wanted.join(', ')}; rows: ${afterIds.join(', ')}`);

  const started = Date.now();
  console.log(`make bench beside a build before: ${ids.length} rows, ${rounds} rounds each, before and after alternated (each round starts with the other), each run a process of its own`);
  console.log(`before: ${before}; after: ${THIS_BUILD}; node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} at start (${new Date().toISOString()})`);
  console.log('after ÷ before: each round\'s, their median in bold; above 1 is better for a throughput, below 1 for a latency\n');
  console.log(HEADER.join('\n'));
  const outcomes: Outcome[] = [];
  try {
    for (const id of ids) {
      const outcome = beforeIds.has(id) ? await measure(besideRow(id), { before, after: THIS_BUILD }, rounds) : ({ id, kind: 'not in before' } as const);
      outcomes.push(outcome);
      console.log(rowLine(outcome));
    }
  } finally {
    await finishRows();
  }
  console.log(`\n${summaryLines(outcomes).join('\n')}`);
  console.log(`${Math.round((Date.now() - started) / 1000)} s in all; load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} at the end (${new Date().toISOString()})`);
  if (outcomes.some((o) => o.kind === 'failed' || !outputsAgree(o))) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
