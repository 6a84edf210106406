/**
 * Process-kill specs: run a job in a child process, SIGKILL it at chosen moments after it
 * completed a checkpoint, start it again, until a run prints `finished`. The child prints
 * `checkpoint <n>` as checkpoints complete and `finished` at the end.
 */
import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import type { JobHandle, JobResult } from '../../src/api/JobHandle';
import { Counted } from './countingJob';

export interface JobCommand {
  /** Arguments to node: the script and its arguments. */
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

function start(command: JobCommand) {
  const child = spawn(process.execPath, [...command.args], { stdio: ['ignore', 'pipe', 'pipe'], env: command.env ?? process.env });
  let out = '';
  let err = '';
  let onCheckpoint: () => void = () => {};
  const firstCheckpoint = new Promise<void>((resolve) => (onCheckpoint = resolve));
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('checkpoint ')) onCheckpoint();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ finished: boolean }>((resolve, reject) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`job exited with ${code}: ${err}`));
      else resolve({ finished: out.includes('finished') });
    }),
  );
  return { child, firstCheckpoint, exit };
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
