/**
 * The built `sluice` command line run as a process, as a user runs it: a command that ends
 * (`sluice`), and `sluice run`, which serves a job until it ends (`startRun`).
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import * as path from 'path';

/** build/src/cli/main.js, the package's bin (this file runs from build/specs/support). */
export const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `sluice <args>` to its end (at most 60 s), with `env` over this process's environment. */
export function sluice(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

/** A `sluice run` process: the URL its first line names, and how it ended. */
export interface RunningJob {
  readonly child: ChildProcess;
  /** The first line it printed (the job's id, name and API); rejects if it ended first. */
  readonly firstLine: Promise<string>;
  readonly ended: Promise<Run>;
}

const URL_IN_LINE = / at (http:\/\/[^\s]+)$/;

/** The REST API's URL in `run`'s first line. */
export function urlOf(firstLine: string): string {
  const m = URL_IN_LINE.exec(firstLine);
  if (m === null) throw new Error(`no URL in '${firstLine}'`);
  return m[1];
}

/** Starts `sluice run <args>`. */
export function startRun(args: readonly string[]): RunningJob {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let onLine: ((line: string) => void) | undefined;
  const firstLine = new Promise<string>((resolve) => (onLine = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    const newline = stdout.indexOf('\n');
    if (newline >= 0) onLine?.(stdout.slice(0, newline));
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const ended = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  const first = Promise.race([firstLine, ended.then((run) => Promise.reject(new Error(`sluice run ended (${run.code}) before it printed a line: ${run.stderr}`)))]);
  first.catch(() => undefined);
  return { child, firstLine: first, ended };
}
