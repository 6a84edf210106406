#!/usr/bin/env node
/**
 * The `sluice` command line (the package's bin). Commands that steer a running job talk to its
 * REST API and come with it; `state get` reads keyed state from Redis directly. Exit codes:
 * exitCodes.ts and docs/cli.md.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isLeft } from 'fp-ts/Either';
import { DEFAULT_MAX_PARALLELISM, UPPER_BOUND_MAX_PARALLELISM } from '../state/keyGroups';
import { EXIT } from './exitCodes';
import { KEY_TYPES, KeyType, STATE_KINDS, StateKind, parseKey, stateGet } from './stateGet';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_TIMEOUT_MS = 5000;

const intIn = (min: number, max: number) => (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer in ${min}..${max}`);
  return n;
};

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
  const sluice = new Command('sluice').description('Operate Sluice jobs.').exitOverride();
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
      if (isLeft(key)) {
        process.stderr.write(`sluice: ${key.left}\n`);
        return exit(EXIT.usage);
      }
      const outcome = await stateGet({ ...flags, key: key.right });
      process.stdout.write(outcome.stdout);
      process.stderr.write(outcome.stderr);
      exit(outcome.code);
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
