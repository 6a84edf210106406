/**
 * Runs one side of a `make bench-flink` pair in a child process and reads the JSON line of
 * figures it prints (runSluiceSide.ts, runNexmarkSide.ts, the Flink twins); its wall time is
 * from spawning to exit (start-up included). A side that exits with an error, prints no
 * figures or runs longer than RUN_TIMEOUT_MS fails the pair, naming it.
 */
import { spawn } from 'child_process';
import { SideFigures, TwinRun } from './twinFigures';

/** A side that takes longer is stopped: something is wrong, not slow. */
export const RUN_TIMEOUT_MS = 10 * 60_000;

export function runTwinSide(label: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<TwinRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', (e) => reject(new Error(`${label}: cannot start ${command}: ${e.message}`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${label} exited with ${signal ?? `code ${code}`}${signal === 'SIGKILL' ? ` (stopped after ${RUN_TIMEOUT_MS / 1000} s)` : ''}`));
      try {
        const figures = JSON.parse(out.split('\n').filter((l) => l.startsWith('{"side":')).pop()!) as SideFigures;
        resolve({ ...figures, wallSeconds });
      } catch {
        reject(new Error(`${label} printed no result: ${out}`));
      }
    });
  });
}
