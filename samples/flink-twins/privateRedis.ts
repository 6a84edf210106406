/**
 * A redis-server of this benchmark's own, on a free port of 127.0.0.1, without persistence (as
 * the shared one on 6379 runs): the Redis rows of `make bench-flink` count its CPU time beside
 * the Sluice process's, and a private server is not busy with other clients' work. Its CPU time
 * comes from /proc/<pid>/stat (utime + stime).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { readFileSync } from 'fs';
import * as net from 'net';

export interface PrivateRedis {
  readonly url: string;
  readonly pid: number;
  /** User + system CPU seconds the server has used since it started. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** CPU seconds of process `pid` from /proc: utime and stime are fields 14 and 15, after the command in parentheses. */
export function processCpuSeconds(pid: number, ticksPerSecond: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** CPU seconds of the redis-server whose pid is in REDIS_PID (set by the driver for the Redis rows), or 0 when none is. */
export function redisServerCpuSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return env.REDIS_PID === undefined ? 0 : processCpuSeconds(Number(env.REDIS_PID), clockTicks());
}

let ticks: number | undefined;
/** Clock ticks per second, the unit of /proc/<pid>/stat's times. */
export const clockTicks = () => (ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()));

export async function startPrivateRedis(command = 'redis-server'): Promise<PrivateRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(command, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let failure: Error | undefined;
  child.once('error', (e) => (failure = new Error(`cannot start ${command}: ${e.message} (the Redis rows need redis-server on PATH)`)));
  for (let waited = 0; !(await answers(port)); waited += 50) {
    if (failure !== undefined) throw failure;
    if (waited > 10_000 || child.exitCode !== null) throw new Error(`${command} --port ${port} did not answer within 10 s${child.exitCode !== null ? ` (it exited with code ${child.exitCode})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    cpuSeconds: () => processCpuSeconds(child.pid!, clockTicks()),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
