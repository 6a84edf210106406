/**
 * `sluice run <module> [args...]`: runs a job module in this process, as `node <module>`
 * would, with the command line's `--parallelism`, `--from-savepoint` and `--rest-port` over
 * the options its environments are created with (launchContext.ts). A job module is a
 * CommonJS or ES module whose top level builds a job and executes it (an ES module may await
 * it at its top level). Each job it starts is reported
 * on stdout (its id, name and where its REST API listens) and again when it ends; the
 * command ends when the module's process would, with the worst of its jobs' outcomes.
 * SIGINT or SIGTERM cancels the jobs (a second one ends the process at once).
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { JobHandle } from '../api/JobHandle';
import { LaunchOverrides, setLaunchContext } from '../api/launchContext';
import { EXIT, ExitCode } from './exitCodes';

/** What the command prints, line by line (the spec and a terminal alike). */
export interface RunOutput {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Node's own import(), which tsc would turn into require() under CommonJS: it loads CommonJS
 * and ES modules alike, as `node <module>` would (by extension and the package's "type"), and
 * waits for an ES module's top-level await.
 */
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** Reports one job: where it is served, then how it ended; resolves with the job's exit code. */
async function follow(job: JobHandle, out: RunOutput): Promise<ExitCode> {
  const named = `job ${job.jobId} '${job.jobName}'`;
  if (job.rest !== undefined) {
    try {
      out.stdout(`${named} running; REST API and dashboard at ${(await job.rest).url}`);
    } catch (e) {
      // Asked to serve the job, the command does not leave it running unserved.
      out.stderr(`sluice: ${named} cannot be served: ${messageOf(e)}; cancelling it`);
      await job.cancel().catch(() => undefined);
      return EXIT.unavailable;
    }
  } else out.stdout(`${named} running`);
  try {
    const result = await job.result;
    out.stdout(`job ${job.jobId} ${result.status}`);
    return EXIT.ok;
  } catch (e) {
    out.stderr(`sluice: job ${job.jobId} failed: ${messageOf(e)}`);
    return EXIT.failed;
  }
}

/**
 * Loads `entry` with `args` as its process.argv, and resolves once the event loop has nothing
 * left to do (the module's jobs have ended), with the first non-zero code of its jobs.
 */
export async function runModule(entry: string, args: readonly string[], overrides: LaunchOverrides, out: RunOutput): Promise<ExitCode> {
  const file = path.resolve(entry);
  if (!fs.existsSync(file)) {
    out.stderr(`sluice: no job module at ${file}`);
    return EXIT.usage;
  }
  const jobs: JobHandle[] = [];
  const outcomes: Array<Promise<ExitCode>> = [];
  const idle = new Promise<void>((resolve) => process.once('beforeExit', () => resolve()));
  const cancelAll = () => {
    out.stderr(`sluice: cancelling ${jobs.length} job(s); again to end the process at once`);
    for (const job of jobs) void job.cancel().catch(() => undefined);
  };
  process.once('SIGINT', cancelAll);
  process.once('SIGTERM', cancelAll);
  setLaunchContext({
    overrides,
    jobStarted: (job) => {
      jobs.push(job);
      outcomes.push(follow(job, out));
    },
  });
  process.argv = [process.argv[0], file, ...args];
  try {
    // An ES module awaiting what never settles leaves the process idle before its import resolves.
    await Promise.race([importModule(pathToFileURL(file).href), idle]);
  } catch (e) {
    out.stderr(`sluice: the job module ${file} failed: ${messageOf(e)}`);
    for (const job of jobs) void job.cancel().catch(() => undefined);
    await Promise.all(outcomes);
    return EXIT.failed;
  }
  await idle;
  setLaunchContext(undefined);
  if (jobs.length === 0) {
    const ours = path.resolve(__dirname, '..', '..', '..');
    out.stderr(`sluice: ${file} started no job (a job module executes a job at its top level, with the sluice package at ${ours})`);
    return EXIT.failed;
  }
  return (await Promise.all(outcomes)).find((code) => code !== EXIT.ok) ?? EXIT.ok;
}
