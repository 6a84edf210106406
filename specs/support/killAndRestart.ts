/**
 * Process-kill specs: run a job in a child process, SIGKILL it at chosen moments, start it
 * again, until a run prints `finished`. The child prints `started` once it started the job
 * (the restore is under way), `checkpoint <n>` as checkpoints complete and `finished` at the end.
 */
import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { isLeft } from 'fp-ts/Either';
import type { JobHandle, JobResult } from '../../src/api/JobHandle';
import { checkpointStoreFor } from '../../src/checkpoint/checkpointStorage';
import { Audit, Counted, audit } from './countingJob';

export interface JobCommand {
  /** Arguments to node: the script and its arguments. */
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

function start(command: JobCommand) {
  const child = spawn(process.execPath, [...command.args], { stdio: ['ignore', 'pipe', 'pipe'], env: command.env ?? process.env });
  let out = '';
  let err = '';
  const marker = (text: string) => {
    let seen: () => void = () => {};
    const promise = new Promise<void>((resolve) => (seen = resolve));
    return { text, seen, promise };
  };
  const markers = [marker('started'), marker('checkpoint ')];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const m of markers) if (out.includes(m.text)) m.seen();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ finished: boolean }>((resolve, reject) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`job exited with ${code}: ${err}`));
      else if (signal !== 'SIGKILL' && !out.includes('finished')) reject(new Error(`job ended without finishing: ${out.split('\n').filter((l) => !l.startsWith('checkpoint ')).join(' ')} ${err}`));
      else resolve({ finished: out.includes('finished') });
    }),
  );
  return { child, started: markers[0].promise, firstCheckpoint: markers[1].promise, exit, checkpointed: () => out.includes('checkpoint ') };
}

/** A small seeded generator (mulberry32), so a failing sequence of kill moments can be run again. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface KillCycles {
  /** Runs killed with SIGKILL, each followed by a restart. */
  readonly kills: number;
  /** Jobs run to their end (a job that finishes before the last kill is followed by a fresh one). */
  readonly jobs: number;
}

/** Job `job` of the kill cycles: how to run it, and where its checkpoints are. */
export interface CycleJob {
  readonly command: JobCommand;
  /** The job's checkpointStorage option and job id. */
  readonly checkpoints: { readonly storage: string; readonly jobId: string };
}

/**
 * Whether the job has a completed checkpoint to resume from. A finished job discards its
 * checkpoints, the pointer to the latest first: a job that had one and has none finished.
 */
async function hasCheckpoint({ storage, jobId }: CycleJob['checkpoints']): Promise<boolean> {
  const store = checkpointStoreFor(storage, jobId, 1);
  if (isLeft(store)) throw new Error(store.left);
  const latest = await store.right.latest();
  // One that cannot be read is still one: the next run reports it.
  return isLeft(latest) || latest.right !== undefined;
}

/**
 * Kill-and-restart cycles: runs job 0 (`jobOf(0)`) and kills every run at a random moment,
 * a quarter of them while the restore is under way (0-30 ms after `started`), the others
 * 0-30 ms after their first completed checkpoint, until `cycles` runs were killed; then lets
 * the last run finish. A job that finishes before that (a run says so, or was killed after
 * it finished: its checkpoints are gone) is checked (`finished(job)`) and job 1 starts
 * afresh, and so on. A run that ends on its own without finishing (a resume that failed)
 * rejects at once, with the child's output.
 */
export async function runKillCycles(jobOf: (job: number) => CycleJob, cycles: number, random: () => number, finished: (job: number) => Promise<void>): Promise<KillCycles> {
  let kills = 0;
  let job = 0;
  let checkpointed = false;
  for (;;) {
    const { child, started, firstCheckpoint, exit, checkpointed: completedOne } = start(jobOf(job).command);
    let killed = false;
    if (kills < cycles) {
      const whileRestoring = random() < 0.25;
      await Promise.race([whileRestoring ? started : firstCheckpoint, exit]);
      await new Promise((r) => setTimeout(r, Math.floor(random() * 30)));
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        kills++;
        killed = true;
      }
    }
    const ended = await exit;
    checkpointed ||= completedOne();
    if (ended.finished || (killed && checkpointed && !(await hasCheckpoint(jobOf(job).checkpoints)))) {
      await finished(job);
      if (kills >= cycles) return { kills, jobs: job + 1 };
      job++;
      checkpointed = false;
    }
  }
}

/**
 * Runs the job until it finishes; run i < killDelaysMs.length is killed killDelaysMs[i] ms
 * after its first completed checkpoint (if still running). Returns how many runs were killed.
 */
export async function runKilledUntilFinished(command: JobCommand, killDelaysMs: readonly number[], maxRuns = 12): Promise<number> {
  let kills = 0;
  for (let run = 0; run < maxRuns; run++) {
    const { child, firstCheckpoint, exit } = start(command);
    if (run < killDelaysMs.length) {
      await Promise.race([firstCheckpoint, exit]);
      await new Promise((r) => setTimeout(r, killDelaysMs[run]));
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        kills++;
      }
    }
    if ((await exit).finished) return kills;
  }
  throw new Error(`the job did not finish within ${maxRuns} runs`);
}

/**
 * The child's side: prints `checkpoint <n>` whenever the job completes a checkpoint, until the
 * job ends (the driver kills the child only after the first one). Printing `finished` stays
 * with the child, which knows what a finished run is.
 */
export async function reportCheckpointsUntilDone(job: JobHandle): Promise<JobResult> {
  process.stdout.write('started\n');
  let completed = 0;
  const watch = setInterval(() => {
    job.checkpointStats().then(
      (s) => {
        if (s.completed > completed) {
          completed = s.completed;
          process.stdout.write(`checkpoint ${s.lastCompletedId}\n`);
        }
      },
      () => undefined,
    );
  }, 5);
  try {
    return await job;
  } finally {
    clearInterval(watch);
  }
}

/** The records in the visible (committed) part files of a FileSink directory. */
export async function committedParts(directory: string): Promise<Counted[]> {
  const lines: Counted[] = [];
  for (const name of (await fs.readdir(directory)).filter((n) => n.startsWith('part-'))) {
    for (const line of (await fs.readFile(path.join(directory, name), 'utf8')).split('\n')) if (line.length > 0) lines.push(JSON.parse(line) as Counted);
  }
  return lines;
}

/** The audit of a finished job's committed output (FileSink parts in `<jobDir>/out`), which must leave no in-progress file behind. */
export async function auditCommitted(jobDir: string, records: number, seed: number, keys: number): Promise<Audit> {
  const outputs = await committedParts(path.join(jobDir, 'out'));
  const inProgress = (await fs.readdir(path.join(jobDir, 'out'))).filter((n) => n.endsWith('.inprogress'));
  if (inProgress.length > 0) throw new Error(`in-progress files left in ${jobDir}/out: ${inProgress.join(', ')}`);
  return audit(outputs, records, seed, keys);
}
