/**
 * The rows of make bench that a build has: `node build/samples/bench-beside/listRows.js <build>`
 * loads that build's lists (its benchmarks, queries, payloads and codecs; its latency and
 * instance runners) and prints the row ids as one JSON line. Run in a process of its own, so
 * that the driver loads no other build's code. A list the build lacks gives no rows.
 */
import { existsSync } from 'fs';
import * as path from 'path';
import { RUN_NAMES } from '../bench-instances/instanceRuns';
import { FIXED_RATE, SHARE_OF_MAX } from '../latency/rates';

/** The row ids of `build` (a build/ directory) in make bench's order: its drivers' order, each one's own. */
export function rowIds(build: string): string[] {
  const load = (module: string): Record<string, unknown> | undefined => {
    const file = path.join(build, 'samples', module);
    return existsSync(`${file}.js`) || existsSync(path.join(file, 'index.js')) ? (require(file) as Record<string, unknown>) : undefined;
  };
  const has = (script: string) => existsSync(path.join(build, 'samples', script));
  const ids: string[] = [];

  const bench = load('bench/allBenchmarks')?.allBenchmarks as readonly { readonly id: string }[] | undefined;
  if (has('bench/runCase.js')) ids.push(...(bench ?? []).map((b) => `bench/${b.id}`));

  const nexmark = load('nexmark/queries') as { QUERY_IDS: readonly string[]; queries: Record<string, { state?: unknown }> } | undefined;
  if (nexmark !== undefined && has('nexmark/runQuery.js')) {
    ids.push(...nexmark.QUERY_IDS.map((q) => `nexmark/${q}`));
    ids.push(...nexmark.QUERY_IDS.filter((q) => nexmark.queries[q].state !== undefined).map((q) => `nexmark/${q}/redis`));
  }

  const payloads = load('bench-exchange/payloads')?.PAYLOADS as readonly string[] | undefined;
  const codecs = load('bench-exchange/codecs')?.CODECS as readonly string[] | undefined;
  // Builds before settings.ts listed the transports took these two (runExchange.ts's check).
  const transports = (load('bench-exchange/settings')?.TRANSPORTS as readonly string[] | undefined) ?? ['port', 'ring'];
  if (payloads !== undefined && codecs !== undefined && has('bench-exchange/runExchange.js')) {
    for (const p of payloads) for (const c of codecs) for (const t of transports) ids.push(`exchange/${p}/${c}/${t}`);
  }

  // This build's driver runs these; the build measured needs only the runner, and for the runs
  // of several task managers per instance (`1x2`) a job path that has them (a build before
  // would run them on one thread each, and compare unlike with like).
  const threadsInInstances = existsSync(path.join(build, 'src', 'cluster', 'InstanceThreads.js'));
  if (has('bench-instances/countInstance.js')) ids.push(...RUN_NAMES.filter((r) => threadsInInstances || !r.includes('x')).map((r) => `instances/${r}`));
  if (has('latency/runLatency.js')) ids.push('latency/max', ...[String(FIXED_RATE), `${SHARE_OF_MAX * 100}%`].flatMap((rate) => [`latency/${rate}/none`, `latency/${rate}/exactly-once`]));
  return ids;
}

if (require.main === module) {
  const build = process.argv[2];
  if (build === undefined) throw new Error('usage: node listRows.js <build directory>');
  process.stdout.write(`${JSON.stringify(rowIds(path.resolve(build)))}\n`);
}
