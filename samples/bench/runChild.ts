/** Runs a benchmark script in a child process of its own (so peak RSS is per run) and parses the JSON line it prints last. */
import { spawn } from 'child_process';

/** `env`: variables added to this process's environment for the child (e.g. a prepared benchmark's). */
export function runChild<T>(script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<T> {
  const label = args.join('/');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${label} exited with code ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
      } catch (e) {
        reject(new Error(`${label} printed no result: ${out}`));
      }
    });
  });
}
