/** Runs a benchmark script in a child process of its own (so peak RSS is per run) and parses the JSON line it prints last. */
import { spawn } from 'child_process';

/** `env`: variables added to this process's environment for the child (e.g. a prepared benchmark's). */
export function runChild<T>(script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<T> {
  return runCommand<T>(process.execPath, [script, ...args], env, args.join('/'));
}

/** Runs any program that prints its result as a JSON line last (a reference program of another stack). */
export function runCommand<T>(command: string, args: readonly string[], env: Readonly<Record<string, string>>, label = `${command} ${args.join(' ')}`): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
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
