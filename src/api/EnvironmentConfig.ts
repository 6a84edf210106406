/**
 * The environment's options, decoded at the boundary: every invalid or unknown option is
 * reported at once, before anything is built.
 */
import * as t from 'io-ts';
import { availableParallelism } from 'os';
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { DEFAULT_MAX_PARALLELISM, UPPER_BOUND_MAX_PARALLELISM } from '../state/keyGroups';
import type { RedisStateBackendOptions } from '../state/RedisKeyedStateBackend';
import { LoggingOption, loggingOptionProblem } from '../logging/logger';
import { operationTimeoutProblem } from '../services/withinDeadline';
import { MetricsOptions, metricsOptionProblems, restOptionProblems } from './RestOptions';
import type { RestOptions } from '../web/RestOptions';
import type { ClusterOptions, ResolvedClusterOptions } from '../instances/ClusterOptions';
import { clusterEnvironmentProblems, clusterOptionProblems, withClusterDefaults } from './clusterEnvironment';

/** The most task managers (worker threads) a job may ask for. */
export const MAX_TASK_MANAGERS = 256;

/** A codec whose decoding lists the problems `problemsOf` finds, joined. */
const checkedBy = <A>(name: string, problemsOf: (u: unknown) => string[]) =>
  new t.Type<A, A, unknown>(
    name,
    (u): u is A => problemsOf(u).length === 0,
    (u, c) => {
      const problems = problemsOf(u);
      return problems.length === 0 ? t.success(u as A) : t.failure(u, c, problems.join('; '));
    },
    t.identity,
  );

/** Where keyed state lives: in the task's memory (default) or in Redis behind a per-task cache. */
export type StateBackendOption = 'memory' | RedisStateBackendOptions;

const intInRange = (name: string, min: number, max: number) =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
    (u, c) => (typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max ? t.success(u) : t.failure(u, c, `must be an integer in ${min}..${max}`)),
    t.identity,
  );

const OptionsCodec = t.partial({
  parallelism: intInRange('parallelism', 1, UPPER_BOUND_MAX_PARALLELISM),
  maxParallelism: intInRange('maxParallelism', 1, UPPER_BOUND_MAX_PARALLELISM),
  batchSize: intInRange('batchSize', 1, 1 << 20),
  channelCapacity: intInRange('channelCapacity', 1, 1 << 24),
  operatorChaining: t.boolean,
  allowNonRestoredState: t.boolean,
  jobId: new t.Type<string, string, unknown>(
    'jobId',
    (u): u is string => typeof u === 'string',
    (u, c) => (typeof u === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(u) ? t.success(u) : t.failure(u, c, 'must be 1-128 letters, digits, dots, dashes or underscores, starting with a letter or digit')),
    t.identity,
  ),
  checkpointStorage: new t.Type<string, string, unknown>(
    'checkpointStorage',
    (u): u is string => typeof u === 'string',
    (u, c) =>
      typeof u === 'string' && (u === 'memory' || /^file:.+/.test(u) || /^rediss?:\/\/.+/.test(u))
        ? t.success(u)
        : t.failure(u, c, "must be 'memory', 'file:<directory>' or 'redis://host:port/db?prefix=<prefix>'"),
    t.identity,
  ),
  stateBackend: new t.Type<StateBackendOption, StateBackendOption, unknown>(
    'stateBackend',
    (u): u is StateBackendOption => u === 'memory' || RedisStateBackendCodec.is(u),
    (u, c) => {
      if (u === 'memory') return t.success(u);
      const problem = redisStateBackendProblem(u);
      return problem === undefined ? t.success(u as RedisStateBackendOptions) : t.failure(u, c, problem);
    },
    t.identity,
  ),
  logging: new t.Type<LoggingOption, LoggingOption, unknown>(
    'logging',
    (u): u is LoggingOption => loggingOptionProblem(u) === undefined,
    (u, c) => {
      const problem = loggingOptionProblem(u);
      return problem === undefined ? t.success(u as LoggingOption) : t.failure(u, c, problem);
    },
    t.identity,
  ),
  restoreFrom: new t.Type<string, string, unknown>(
    'restoreFrom',
    (u): u is string => typeof u === 'string',
    (u, c) => (typeof u === 'string' && u.length > 0 ? t.success(u) : t.failure(u, c, "must be a savepoint's directory or a retained checkpoint's file (chk-<id>.json)")),
    t.identity,
  ),
  rest: checkedBy<RestOptions>('rest', restOptionProblems),
  metrics: checkedBy<boolean | MetricsOptions>('metrics', metricsOptionProblems),
  taskManagers: new t.Type<number | 'auto', number | 'auto', unknown>(
    'taskManagers',
    (u): u is number | 'auto' => u === 'auto' || (typeof u === 'number' && Number.isInteger(u) && u >= 1 && u <= MAX_TASK_MANAGERS),
    (u, c) => (u === 'auto' || (typeof u === 'number' && Number.isInteger(u) && u >= 1 && u <= MAX_TASK_MANAGERS) ? t.success(u) : t.failure(u, c, `must be 'auto' or an integer in 1..${MAX_TASK_MANAGERS}`)),
    t.identity,
  ),
  taskManagerHeapMb: intInRange('taskManagerHeapMb', 16, 1 << 20),
  taskManagerHangTimeoutMs: intInRange('taskManagerHangTimeoutMs', 100, 3_600_000),
  cluster: checkedBy<ClusterOptions>('cluster', clusterOptionProblems),
});

const RedisStateBackendCodec = t.intersection([
  t.type({ type: t.literal('redis'), url: t.string, keyPrefix: t.string }),
  t.partial({ cacheSize: t.number, operationTimeoutMs: t.number }),
]);

/** Why a `stateBackend` value is not a Redis backend, or undefined when it is one. */
function redisStateBackendProblem(u: unknown): string | undefined {
  const shape = "must be 'memory' or { type: 'redis', url: 'redis://host:port[/db]', keyPrefix: '<prefix>', cacheSize?: <entries>, operationTimeoutMs?: <ms> }";
  if (typeof u !== 'object' || u === null || (u as { type?: unknown }).type !== 'redis') return shape;
  const o = u as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(o).filter((k) => !['type', 'url', 'keyPrefix', 'cacheSize', 'operationTimeoutMs'].includes(k));
  if (unknown.length > 0) problems.push(`unknown field(s) ${unknown.join(', ')}`);
  if (typeof o.url !== 'string' || !/^rediss?:\/\/[^/]/.test(o.url)) problems.push("url must be 'redis://host:port[/db]'");
  if (typeof o.keyPrefix !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(o.keyPrefix)) problems.push('keyPrefix must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit');
  if (o.cacheSize !== undefined && !(typeof o.cacheSize === 'number' && Number.isInteger(o.cacheSize) && o.cacheSize >= 1 && o.cacheSize <= 1 << 26)) problems.push(`cacheSize must be an integer in 1..${1 << 26}`);
  const timeoutProblem = operationTimeoutProblem(o.operationTimeoutMs);
  if (timeoutProblem !== undefined) problems.push(timeoutProblem);
  return problems.length === 0 ? undefined : problems.join('; ');
}

/** The options of `StreamEnvironment.create`; each is checked, and unknown ones are refused. */
export interface StreamEnvironmentOptions {
  /** Default parallelism of operators (default 1: one Node process runs on one core). */
  readonly parallelism?: number;
  /** Number of key groups, the upper bound for any operator's parallelism (default 128). */
  readonly maxParallelism?: number;
  /** Records per message between tasks (default 1024). */
  readonly batchSize?: number;
  /** Credit a consumer grants each input channel, in records (default 2 × batchSize). */
  readonly channelCapacity?: number;
  /** Chain forward edges of equal parallelism into one task (default true). */
  readonly operatorChaining?: boolean;
  /**
   * Identifies the job across runs: a job executed again with the same id and a durable
   * checkpoint storage resumes from its last completed checkpoint (default: a new id per run).
   */
  readonly jobId?: string;
  /**
   * Resume even when the checkpoint holds state of operators (uids) this job no longer has:
   * that state is dropped, the rest restores. Off by default: such a resume is refused
   * before the job runs, naming the uids (Flink's option of the same name).
   */
  readonly allowNonRestoredState?: boolean;
  /**
   * Where completed checkpoints go: `'memory'` (default), `'file:<directory>'` or
   * `'redis://host:port/db?prefix=<prefix>[&operationTimeoutMs=<ms>]'`.
   */
  readonly checkpointStorage?: string;
  /**
   * Where keyed state lives: `'memory'` (default) or
   * `{ type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: 'sluice', cacheSize: 100_000, operationTimeoutMs: 30_000 }`
   * (operationTimeoutMs: the longest a task waits on Redis for one operation; see docs/redis.md).
   */
  readonly stateBackend?: StateBackendOption;
  /**
   * Where the job's log lines go: a pino logger of the application's, or
   * `{ level: 'info', pretty: false }` for JSON on stderr (level default: SLUICE_LOG_LEVEL, else 'info').
   */
  readonly logging?: LoggingOption;
  /**
   * Where a job without checkpoints of its own starts: a savepoint's directory
   * (`job.savepoint(dir)`) or a retained checkpoint of a file storage (`<root>/<jobId>/chk-<id>.json`).
   * Read when the job is executed; a directory that is not a savepoint refuses the job. See docs/savepoints.md.
   */
  readonly restoreFrom?: string;
  /**
   * Serves the REST API, the dashboard and /metrics from this process while the job runs:
   * `{ port: 8081 }` (loopback; see docs/operations.md for host, allowNonLoopback and token).
   * Turns metrics on.
   */
  readonly rest?: RestOptions;
  /**
   * Measures where tasks spend their time and samples the job's metrics (default: on with
   * `rest`, off without): `true` or `{ intervalMs }`.
   */
  readonly metrics?: boolean | MetricsOptions;
  /**
   * How many task managers (worker threads) run the job's tasks: `1` (default) runs them in
   * this thread; `n` places subtask i of every operator on task manager i mod n; `'auto'` is the
   * available cores (os.availableParallelism()). Never more than the job's highest parallelism.
   * Above 1, the job must be defined with `defineJob` and started with `env.executeJob`, as
   * every task manager builds it from its module (docs/task-managers.md).
   */
  readonly taskManagers?: number | 'auto';
  /**
   * The heap each task manager may use, in MB (its thread's resourceLimits.maxOldGenerationSizeMb;
   * default: Node's). A task manager that runs out fails the tasks it ran, as a crash would.
   */
  readonly taskManagerHeapMb?: number;
  /**
   * How long a task manager may go without answering the job master's pings, in ms (default
   * 30 000): its thread is then busy for good (a loop in user code), and is terminated, a
   * failure of the tasks it ran, as a crash would be.
   */
  readonly taskManagerHangTimeoutMs?: number;
  /**
   * Runs the job over many processes, instances of the same program (docs/cluster.md):
   * `{ applicationId, redis, kafka: { brokers }, instanceId?, leaseMs?, heartbeatMs?, operationTimeoutMs? }`.
   * Keyed state and checkpoints then live in that Redis (by default; another place is refused),
   * the job id is the applicationId, and subtask i of every operator runs on the instance that
   * owns slot i.
   */
  readonly cluster?: ClusterOptions;
}

/** A task manager silent this long is taken as hung (taskManagerHangTimeoutMs). */
export const DEFAULT_TASK_MANAGER_HANG_TIMEOUT_MS = 30_000;

/** The decoded options of an environment, defaults filled in. */
export type EnvironmentConfig = Required<Omit<StreamEnvironmentOptions, 'jobId' | 'logging' | 'restoreFrom' | 'rest' | 'metrics' | 'taskManagers' | 'taskManagerHeapMb' | 'cluster'>> & {
  /** The job runs over instances (processes) on this Redis and Kafka; undefined: in this process alone. */
  readonly cluster: ResolvedClusterOptions | undefined;
  readonly taskManagerHeapMb: number | undefined;
  /** 'auto' resolved to the available cores. */
  readonly taskManagers: number;
  readonly jobId: string | undefined;
  readonly restoreFrom: string | undefined;
  readonly logging: LoggingOption | undefined;
  readonly rest: RestOptions | undefined;
  /** The sampling interval when metrics are on; undefined when off. */
  readonly metrics: { readonly intervalMs: number } | undefined;
};

/** How often a job's metrics are sampled by default. */
export const DEFAULT_METRICS_INTERVAL_MS = 1000;

/** Invalid options, settings or names, refused before anything runs: `problems` lists each. */
export class ConfigError extends Error {
  readonly _tag = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid StreamEnvironment options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Decodes a StreamEnvironment's options; left: every problem found. */
export function decodeEnvironmentOptions(input: unknown): Either<readonly string[], EnvironmentConfig> {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null) return left(['options must be an object']);
  const known = Object.keys(OptionsCodec.props);
  for (const key of Object.keys(input)) if (!known.includes(key)) problems.push(`unknown option '${key}' (known: ${known.join(', ')})`);
  const decoded = OptionsCodec.decode(input);
  if (isLeft(decoded)) {
    for (const e of decoded.left) {
      const key = e.context[1]?.key ?? '?';
      problems.push(`${key}: ${JSON.stringify(e.value)} ${e.message ?? 'is invalid'}`);
    }
  }
  // Checked on the raw input too, so that it is listed with the other problems.
  const raw = input as { parallelism?: unknown; maxParallelism?: unknown };
  const [p, m] = [raw.parallelism ?? 1, raw.maxParallelism ?? DEFAULT_MAX_PARALLELISM];
  if (OptionsCodec.props.parallelism.is(p) && OptionsCodec.props.maxParallelism.is(m) && p > m) problems.push(`parallelism ${p} exceeds maxParallelism ${m}`);
  const { rest, metrics } = input as { rest?: unknown; metrics?: unknown };
  if (rest !== undefined && metrics === false) problems.push('metrics: false cannot go with rest: the REST API and the dashboard serve the metrics');
  if (!isLeft(decoded) && decoded.right.cluster !== undefined) problems.push(...clusterEnvironmentProblems(decoded.right));
  if (problems.length > 0 || isLeft(decoded)) return left(problems);
  const o = withClusterDefaults(decoded.right);
  const maxParallelism = o.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
  const parallelism = o.parallelism ?? 1;
  const batchSize = o.batchSize ?? 1024;
  return right({
    parallelism,
    maxParallelism,
    batchSize,
    channelCapacity: o.channelCapacity ?? 2 * batchSize,
    operatorChaining: o.operatorChaining ?? true,
    allowNonRestoredState: o.allowNonRestoredState ?? false,
    jobId: o.jobId,
    checkpointStorage: o.checkpointStorage ?? 'memory',
    stateBackend: o.stateBackend ?? 'memory',
    logging: o.logging,
    restoreFrom: o.restoreFrom,
    rest: o.rest,
    taskManagerHeapMb: o.taskManagerHeapMb,
    taskManagerHangTimeoutMs: o.taskManagerHangTimeoutMs ?? DEFAULT_TASK_MANAGER_HANG_TIMEOUT_MS,
    taskManagers: o.taskManagers === 'auto' ? availableParallelism() : (o.taskManagers ?? 1),
    cluster: o.cluster,
    metrics:
      o.metrics === true || (o.metrics === undefined && o.rest !== undefined)
        ? { intervalMs: DEFAULT_METRICS_INTERVAL_MS }
        : typeof o.metrics === 'object'
          ? { intervalMs: o.metrics.intervalMs ?? DEFAULT_METRICS_INTERVAL_MS }
          : undefined,
  });
}
