/**
 * Instances of a job in child processes, for the issue-18 scenarios: each prints JSON lines on
 * stdout (`{ type: 'ownership', ... }` whenever what it owns changes, other types as its script
 * says); the spec waits on them, with a bound, and signals the processes (SIGKILL, SIGSTOP).
 * With SLUICE_INSTANCE_LOGS=<directory>, each process's whole stderr (its log) is kept there as
 * `<id>-<pid>.log`; otherwise only its tail, which `errors()` gives (printed by specs on failure).
 */
import { ChildProcess, spawn } from 'child_process';
import { appendFileSync } from 'fs';
import * as path from 'path';
import type { Ownership } from '../../src/instances/Assignment';

/** A child process running one instance, and what it printed. */
export class InstanceProcess {
  readonly ownerships: Ownership[] = [];
  /** Its lines of other types than 'ownership', in order. */
  readonly lines: Array<{ readonly type: string } & Record<string, unknown>> = [];
  private readonly child: ChildProcess;
  private stderr = '';
  private exited = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly id: string,
    script: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let out = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        const parsed = JSON.parse(line) as { type: string } & Record<string, unknown>;
        if (parsed.type === 'ownership') this.ownerships.push(parsed as unknown as Ownership);
        else this.lines.push(parsed);
      }
      this.waiters.forEach((w) => w());
    });
    // Only the tail: a long run's warnings must not grow the spec's memory.
    const logs = process.env.SLUICE_INSTANCE_LOGS;
    const logFile = logs === undefined || logs === '' ? undefined : path.join(logs, `${id}-${this.child.pid ?? 'unstarted'}.log`);
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-20_000);
      if (logFile !== undefined) appendFileSync(logFile, d);
    });
    this.child.on('exit', () => {
      this.exited = true;
      this.waiters.forEach((w) => w());
    });
  }

  get hasExited(): boolean {
    return this.exited;
  }

  latest(): Ownership | undefined {
    return this.ownerships[this.ownerships.length - 1];
  }

  /** The end of what it wrote on stderr. */
  errors(): string {
    return this.stderr;
  }

  /** Resolves when `condition` holds after a line of this process; fails when it exits first or after `ms`. */
  until(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (condition()) done(resolve);
        else if (this.exited) done(() => reject(new Error(`${this.id} exited before ${what}: ${this.stderr}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${this.id}: not ${what} within ${ms} ms; ownerships ${JSON.stringify(this.ownerships.map(brief))}; stderr ${this.stderr}`))), ms);
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        f();
      };
      this.waiters.add(check);
      check();
    });
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  stop(): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    return this.until(() => this.exited, 'exited');
  }
}

export const brief = (o: Ownership) => ({ epoch: o.epoch, leader: o.leader, state: o.state, slots: o.slots, splits: o.splits.length, keyGroups: o.keyGroups.length });

/** Resolves when `condition` holds after a line of any of the processes; fails as `until` does (any one exiting fails it). */
export function allOf(processes: readonly InstanceProcess[], condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  let met = false;
  const holds = () => met || (met = condition());
  return Promise.race(processes.map((p) => p.until(holds, what, ms))).then(() => undefined);
}
