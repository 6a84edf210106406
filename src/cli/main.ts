#!/usr/bin/env node
/**
 * The `sluice` command line (the package's bin). Commands that steer a running job talk to its
 * REST API; `run` runs a job module in this process; `state get` reads keyed state from Redis
 * directly. Exit codes: exitCodes.ts and docs/cli.md.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { Either, isLeft, left, right } from 'fp-ts/Either';
import * as path from 'path';
import { DEFAULT_MAX_PARALLELISM, UPPER_BOUND_MAX_PARALLELISM } from '../state/keyGroups';
import { CommandOutcome } from './CommandOutcome';
import { EXIT } from './exitCodes';
import { cancel, checkpoints, list, status } from './jobCommands';
import { RestTarget } from './restClient';
import { runModule } from './runCommand';
import { savepoint, stop } from './savepointCommands';
import { KEY_TYPES, KeyType, STATE_KINDS, StateKind, parseKey, stateGet } from './stateGet';

/** Where a job's REST API listens unless told otherwise: Flink's port, on loopback. */
const DEFAULT_URL = 'http://127.0.0.1:8081';
/** How long a question to the job waits for its answer. */
const ASK_TIMEOUT_MS = 5000;
/** How long cancel waits for the job to end. */
const CANCEL_TIMEOUT_MS = 30_000;
/** How long savepoint and stop wait for the savepoint (a job's checkpoint timeout is of this order). */
const SAVEPOINT_TIMEOUT_MS = 120_000;
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_TIMEOUT_MS = 5000;

const intIn = (min: number, max: number) => (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer in ${min}..${max}`);
  return n;
};

interface ApiFlags {
  readonly url: string;
  readonly token: string | undefined;
  readonly timeout: number;
  readonly json: boolean;
}

/** The API the flags name: `--url` (or SLUICE_URL) must be an http(s) URL; kept without a trailing slash. */
function targetOf(flags: ApiFlags): Either<string, RestTarget> {
  let url: URL | undefined;
  try {
    url = new URL(flags.url);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return left(`--url '${flags.url}' is not the http:// URL of a job's REST API, such as ${DEFAULT_URL}`);
  }
  return right({ url: flags.url.replace(/\/+$/, ''), token: flags.token, timeoutMs: flags.timeout });
}

interface StateGetFlags {
  readonly redis: string;
  readonly prefix: string;
  readonly job: string;
  readonly operator: string;
  readonly state: string;
  readonly key: string;
  readonly keyType: KeyType;
  readonly kind: StateKind;
  readonly maxParallelism: number;
  readonly timeout: number;
  readonly json: boolean;
}

/** The program; `exit` receives the exit code once the command ran (tests pass their own). */
export function program(exit: (code: number) => void): Command {
  const sluice = new Command('sluice').description('Operate Sluice jobs.').exitOverride().enablePositionalOptions();
  const finish = (outcome: CommandOutcome) => {
    process.stdout.write(outcome.stdout);
    process.stderr.write(outcome.stderr);
    exit(outcome.code);
  };
  const usage = (message: string) => {
    process.stderr.write(`sluice: ${message}\n`);
    exit(EXIT.usage);
  };
  /** Runs `ask` against the API the flags name, or refuses flags that name none. */
  const onApi = async (flags: ApiFlags, ask: (target: RestTarget) => Promise<CommandOutcome>) => {
    const target = targetOf(flags);
    return isLeft(target) ? usage(target.left) : finish(await ask(target.right));
  };

  /** A command that asks a running job's REST API, with the options they share. */
  const apiCommand = (name: string, description: string, timeoutMs: number, timeoutMeaning: string) =>
    sluice
      .command(name)
      .description(description)
      .exitOverride()
      .allowExcessArguments(false)
      .option('--url <url>', "the job's REST API (env SLUICE_URL)", process.env.SLUICE_URL ?? DEFAULT_URL)
      .option('--token <token>', 'the bearer token of the rest.token option (env SLUICE_TOKEN)', process.env.SLUICE_TOKEN)
      .option('--timeout <ms>', timeoutMeaning, intIn(1, 3_600_000), timeoutMs)
      .option('--json', "print the API's JSON document", false);

  apiCommand('list', 'list the jobs the REST API serves', ASK_TIMEOUT_MS, 'how long to wait for the answer').action(async (flags: ApiFlags) =>
    onApi(flags, (target) => list(target, flags.json)),
  );
  apiCommand('status', "print a job's status and its vertices' figures", ASK_TIMEOUT_MS, 'how long to wait for the answer')
    .argument('<job>', "the job's id")
    .action(async (job: string, flags: ApiFlags) => onApi(flags, (target) => status(target, job, flags.json)));
  apiCommand('checkpoints', "print a job's checkpoint counts and history, newest first", ASK_TIMEOUT_MS, 'how long to wait for the answer')
    .argument('<job>', "the job's id")
    .action(async (job: string, flags: ApiFlags) => onApi(flags, (target) => checkpoints(target, job, flags.json)));
  apiCommand('cancel', 'cancel a job and wait until it has ended', CANCEL_TIMEOUT_MS, 'how long to wait for the job to end')
    .argument('<job>', "the job's id")
    .action(async (job: string, flags: ApiFlags) => onApi(flags, (target) => cancel(target, job, flags.json)));
  apiCommand('savepoint', 'take a savepoint of a job into a directory; the job goes on', SAVEPOINT_TIMEOUT_MS, 'how long to wait for the savepoint')
    .argument('<job>', "the job's id")
    .argument('<dir>', "the savepoint's directory (new or empty; relative to this directory)")
    .action(async (job: string, dir: string, flags: ApiFlags) => onApi(flags, (target) => savepoint(target, job, dir, flags.json)));
  apiCommand('stop', 'stop a job at a savepoint into a directory', SAVEPOINT_TIMEOUT_MS, 'how long to wait for the savepoint and the end of the job')
    .argument('<job>', "the job's id")
    .requiredOption('--savepoint <dir>', "the savepoint's directory (new or empty; relative to this directory)")
    .option('--drain', "end the job's input first, so that every window and timer fires before the savepoint", false)
    .action(async (job: string, flags: ApiFlags & { readonly savepoint: string; readonly drain: boolean }) =>
      onApi(flags, (target) => stop(target, job, flags.savepoint, flags.drain, flags.json)),
    );

  sluice
    .command('run')
    .description('run a job module in this process (its options before <module>, its own arguments after)')
    .exitOverride()
    .passThroughOptions()
    .argument('<module>', 'a CommonJS or ES module whose top level builds a job and executes it')
    .argument('[args...]', "the module's arguments (its process.argv.slice(2))")
    .option('--parallelism <n>', "the job's default parallelism, over the module's own", intIn(1, UPPER_BOUND_MAX_PARALLELISM))
    .option('--from-savepoint <dir>', 'start the job from this savepoint (or retained checkpoint file)')
    .option('--rest-port <port>', "serve the job's REST API and dashboard on this port (0: a free one)", intIn(0, 65535))
    .action(async (entry: string, args: string[], flags: { readonly parallelism?: number; readonly fromSavepoint?: string; readonly restPort?: number }) => {
      const overrides = { parallelism: flags.parallelism, restoreFrom: flags.fromSavepoint === undefined ? undefined : path.resolve(flags.fromSavepoint), restPort: flags.restPort };
      const line = (stream: NodeJS.WriteStream) => (text: string) => stream.write(`${text}\n`);
      exit(await runModule(entry, args, overrides, { stdout: line(process.stdout), stderr: line(process.stderr) }));
    });

  const state = sluice.command('state').description("read a job's keyed state").exitOverride();
  state
    .command('get')
    .description("print one key's value in one state of an operator, from Redis")
    .exitOverride()
    .requiredOption('--job <jobId>', "the job's id (StreamEnvironment option jobId)")
    .requiredOption('--operator <uid>', "the keyed operator's uid")
    .requiredOption('--state <name>', "the state's name (its descriptor's)")
    .requiredOption('--key <key>', 'the key, as text unless --key-type says otherwise')
    .addOption(new Option('--key-type <type>', 'how to read --key').choices(KEY_TYPES).default('string'))
    .addOption(new Option('--kind <kind>', 'the kind of state').choices(STATE_KINDS).default('value'))
    .option('--redis <url>', 'the Redis of the state backend', process.env.SLUICE_REDIS_URL ?? DEFAULT_REDIS_URL)
    .option('--prefix <keyPrefix>', "the state backend's keyPrefix", 'sluice')
    .option('--max-parallelism <n>', "the job's maxParallelism", intIn(1, UPPER_BOUND_MAX_PARALLELISM), DEFAULT_MAX_PARALLELISM)
    .option('--timeout <ms>', 'how long to wait for Redis to answer', intIn(1, 600_000), DEFAULT_TIMEOUT_MS)
    .option('--json', 'print a JSON document', false)
    .action(async (flags: StateGetFlags) => {
      const key = parseKey(flags.key, flags.keyType);
      if (isLeft(key)) return usage(key.left);
      finish(await stateGet({ ...flags, key: key.right }));
    });
  return sluice;
}

export async function main(argv: readonly string[], exit: (code: number) => void): Promise<void> {
  try {
    await program(exit).parseAsync([...argv], { from: 'user' });
  } catch (e) {
    // Help and version are not errors; every other refusal of the command line is a usage error.
    if (e instanceof CommanderError) return exit(e.exitCode === 0 ? EXIT.ok : EXIT.usage);
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), (code) => (process.exitCode = code)).catch((e: unknown) => {
    process.stderr.write(`sluice: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = EXIT.internal;
  });
}
