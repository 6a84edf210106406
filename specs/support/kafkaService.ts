/**
 * Mocha root hooks that give specs a real Kafka broker (specs/services/kafka.sh). A broker
 * already running is used as it is; otherwise one is started lazily, the first time a spec
 * asks for it (`kafkaBootstrap(this)`), and stopped after the run — only one this process
 * started. When no broker can be had, specs that need one fail with a message naming the
 * script, or are pending (this.skip()) with SLUICE_SKIP_SERVICES=1.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const script = path.resolve(__dirname, '../../../specs/services/kafka.sh');
/**
 * One file per test process using the broker, named after its pid. Two runs can both find no
 * broker and both "start" it (the script hands the second the first's broker): a run stops
 * the broker only when no other live process holds a lease, so it never stops it under
 * another run.
 */
const leases = path.resolve(__dirname, '../../../.cache/kafka/leases');
const myLease = path.join(leases, String(process.pid));

function takeLease(): void {
  fs.mkdirSync(leases, { recursive: true });
  fs.writeFileSync(myLease, `${new Date().toISOString()}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Drops this process's lease; true when no other live process holds one. */
function releaseLease(): boolean {
  fs.rmSync(myLease, { force: true });
  let others = 0;
  for (const name of fs.existsSync(leases) ? fs.readdirSync(leases) : []) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || !isAlive(pid)) fs.rmSync(path.join(leases, name), { force: true });
    else others++;
  }
  return others === 0;
}

type BrokerState =
  | { readonly type: 'unknown' }
  | { readonly type: 'ready'; readonly address: string; readonly startedHere: boolean }
  | { readonly type: 'unavailable'; readonly reason: string };

let state: BrokerState = { type: 'unknown' };
let pending: Promise<BrokerState> | undefined;

/** Runs specs/services/kafka.sh with `args` (and extra environment, e.g. KAFKA_RUN_DIR for a private broker). */
export function runKafkaScript(args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(script, args, { timeout: timeoutMs, maxBuffer: 1 << 20, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export const lastLine = (text: string) => text.trim().split('\n').pop()?.trim() ?? '';

async function acquire(): Promise<BrokerState> {
  const status = await runKafkaScript(['status'], 30_000);
  if (status.code === 0) {
    const address = await runKafkaScript(['address'], 30_000);
    if (address.code === 0) return { type: 'ready', address: lastLine(address.stdout), startedHere: false };
  }
  // First start fetches the jars with Maven: allow minutes.
  const started = await runKafkaScript(['start'], 10 * 60_000);
  if (started.code === 0 && /^[\w.-]+:\d+$/.test(lastLine(started.stdout))) {
    return { type: 'ready', address: lastLine(started.stdout), startedHere: status.code === 3 };
  }
  return { type: 'unavailable', reason: `exit ${started.code}: ${lastLine(started.stderr) || lastLine(started.stdout)}` };
}

/** The broker's address, starting it on first use; one attempt per run. */
export function kafkaBroker(): Promise<BrokerState> {
  if (state.type !== 'unknown') return Promise.resolve(state);
  pending ??= acquire().then((s) => {
    if (s.type === 'ready') takeLease();
    return (state = s);
  });
  return pending;
}

/**
 * For a spec's `before` hook: the bootstrap address `host:port` of the test broker. Skips the
 * suite with SLUICE_SKIP_SERVICES=1 when no broker can be had; fails otherwise.
 *
 * @example
 * let bootstrap: string;
 * before(async function () { this.timeout(600_000); bootstrap = await kafkaBootstrap(this); });
 */
export async function kafkaBootstrap(context: Mocha.Context): Promise<string> {
  const broker = await kafkaBroker();
  if (broker.type === 'ready') return broker.address;
  const reason = broker.type === 'unavailable' ? broker.reason : 'not tried';
  if (process.env.SLUICE_SKIP_SERVICES === '1') context.skip();
  throw new Error(`no Kafka broker for this spec (${reason}). Start one with \`specs/services/kafka.sh start\`, or set SLUICE_SKIP_SERVICES=1 to mark Kafka specs pending.`);
}

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    if (pending !== undefined) await pending;
    if (state.type !== 'ready') return;
    const last = releaseLease();
    if (state.startedHere && last) await runKafkaScript(['stop'], 60_000);
    else if (state.startedHere) process.stderr.write('kafkaService: the broker this run started stays up: other test processes use it\n');
    state = { type: 'unavailable', reason: 'released after the run' };
  },
};
