/**
 * The end of a `make bench-flink` driver's run (main.ts, nexmark.ts): the rows whose twins
 * disagreed in capitals, the figures written as JSON, and a failing exit code if any disagreed.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SteadySummary } from './steadyFigures';

/** The load averages over 1, 5 and 15 minutes, as the drivers print them. */
export const loadText = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');

export async function endTwinRun(resultsFile: string, run: { readonly loadBefore: string; readonly loadAfter: string; readonly [option: string]: unknown }, summaries: readonly SteadySummary[]): Promise<void> {
  for (const s of summaries.filter((x) => !x.resultsMatch)) {
    console.log(`\n*** RESULTS DIFFER in ${s.row.id}: ${s.pairs.map((p) => `Sluice ${p.sluice.count} / ${p.sluice.checksum}, Flink ${p.flink.count} / ${p.flink.checksum}`).join('; ')} ***`);
  }
  await fs.mkdir(path.dirname(resultsFile), { recursive: true });
  await fs.writeFile(resultsFile, `${JSON.stringify({ generatedAt: new Date().toISOString(), node: process.version, cpus: os.cpus().length, ...run, rows: summaries }, null, 2)}\n`);
  console.log(`figures written to ${path.relative(process.cwd(), resultsFile)}`);
  if (summaries.some((s) => !s.resultsMatch)) process.exitCode = 1;
}
