/**
 * Where a job is written and started: sources, settings, and `execute`.
 *
 * @example
 * const env = StreamEnvironment.create({ parallelism: 2 });
 * const counts = await env
 *   .fromCollection(['a b', 'b'])
 *   .flatMap<{ word: string; n: number }>((line, out) => line.split(' ').forEach((word) => out.collect({ word, n: 1 })))
 *   .keyBy((w) => w.word)
 *   .sum('n')
 *   .executeAndCollect(); // running counts: a 1, b 1, b 2 (in some order across keys)
 * (specs/scenarios/wordCountAtAnyParallelism.spec.ts runs this job)
 */
import { isLeft } from 'fp-ts/Either';
import { CollectionSource } from '../connectors/CollectionSource';
import { GeneratorSource } from '../connectors/GeneratorSource';
import { Source } from '../graph/Source';
import { TextFileSource } from '../connectors/TextFileSource';
import type { KafkaSource } from '../connectors/kafka/KafkaSource';
import { SocketTextSource, SocketTextSourceOptions } from '../connectors/SocketTextSource';
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { JobGraphBuilder } from '../graph/JobGraphBuilder';
import { buildExecutionPlan } from '../graph/buildExecutionPlan';
import { InvalidTopologyError } from '../graph/TopologyProblem';
import { supervisionProblems } from '../graph/supervisionProblems';
import { Ref } from 'nact';
import { JobRun, RunJobOptions, runJob } from '../runtime/runJob';
import { MemoryKeyedStateBackend } from '../state/MemoryKeyedStateBackend';
import { redisKeyedStateBackendFactory } from '../state/RedisKeyedStateBackend';
import { incrementalSnapshotsFor } from '../checkpoint/incrementalCheckpoints';
import { SingleOutputStream } from './DataStream';
import { fromKafka } from './fromKafka';
import { ConfigError, EnvironmentConfig, StreamEnvironmentOptions, decodeEnvironmentOptions } from './EnvironmentConfig';
import { CheckpointConfig, CheckpointOptions, decodeCheckpointConfig } from '../checkpoint/CheckpointConfig';
import { CheckpointingMode } from '../checkpoint/CheckpointTypes';
import { DEFAULT_RESTART_WITH_CHECKPOINTING, RestartStrategy, decodeRestartStrategy } from '../checkpoint/RestartStrategy';
import { checkpointStoreFor } from '../checkpoint/checkpointStorage';
import { RedisCheckpointStore } from '../checkpoint/RedisCheckpointStore';
import { Checkpointing } from '../runtime/jobMasterDeps';
import { JobHandle } from './JobHandle';
import { createLogger } from '../logging/logger';
import { readRestoreSource } from '../checkpoint/Savepoint';
import { materializeIncremental } from '../checkpoint/materializeIncremental';
import { observed } from '../runtime/observed';
import { announceJob, withLaunchOverrides } from './launchContext';
import type { JobDefinition } from './defineJob';
import { isTaskManagerWorker } from '../cluster/taskManagerIdentity';
import { TaskManagers } from '../cluster/TaskManagers';
import { taskManagerCount, workerOptions } from './taskManagerOptions';
import { InstanceJobRun, runInstanceJob } from '../instances/runInstanceJob';
import { clusterJobProblems } from './clusterEnvironment';

let runCounter = 0;

/** Where the job's actors run. */
export interface ExecuteOptions {
  /** An actor system or actor of the application to run the job under (default: an actor system of the job's own). */
  readonly parent?: Ref<any>;
  /** The job master's actor name under the parent (default `job-<n>-<job name>`); unique under that parent. */
  readonly actorName?: string;
}

/** Where a job is written and started (see the example above): sources, settings, and `execute`. */
export class StreamEnvironment {
  /** @internal */
  readonly graph = new JobGraphBuilder();
  private checkpointConfig: CheckpointConfig | undefined;
  private restartStrategy: RestartStrategy | undefined;

  private constructor(
    readonly config: EnvironmentConfig,
    /** The options as given (after the command line's): what task managers decode again. */
    private readonly options: StreamEnvironmentOptions,
  ) {}

  /**
   * True in a task manager's worker thread (taskManagers above 1): code at a job module's top
   * level and in its build function runs there too; what must run once stays behind this test.
   */
  static isWorker(): boolean {
    return isTaskManagerWorker();
  }

  /**
   * Decodes the options; throws a ConfigError listing every invalid or unknown option. Under
   * `sluice run`, the command line's `--parallelism`, `--from-savepoint` and `--rest-port`
   * win over the options given here (docs/cli.md).
   */
  static create(options: StreamEnvironmentOptions = {}): StreamEnvironment {
    const given = withLaunchOverrides(options);
    const config = decodeEnvironmentOptions(given);
    if (isLeft(config)) throw new ConfigError(config.left);
    return new StreamEnvironment(config.right, given);
  }

  /** The records of a source: one of Sluice's, or any object implementing `Source`. */
  fromSource<T>(source: Source<T>, name: string = source.name): SingleOutputStream<T> {
    const node = this.graph.add({ role: { kind: 'source', source: source as Source<unknown> }, name, inputs: [] });
    return new SingleOutputStream<T>(this, node);
  }

  /** A bounded, non-parallel source over the items, in order. */
  fromCollection<T>(items: readonly T[]): SingleOutputStream<T> {
    return this.fromSource(new CollectionSource(items));
  }

  /** `generate(i)` for i in 0..count-1; count may be Infinity. Parallel: instances share the indices. */
  fromGenerator<T>(count: number, generate: (index: number) => T): SingleOutputStream<T> {
    return this.fromSource(new GeneratorSource(count, generate));
  }

  /**
   * The decoded records of a Kafka source; records that fail to decode are on the side output
   * `kafkaDeadLetters` (see docs/kafka.md).
   */
  fromKafka<T>(source: KafkaSource<T>, uid?: string): SingleOutputStream<T> {
    return fromKafka(this, source, uid);
  }

  /** The lines received on a TCP connection to host:port; ends when the peer closes it. */
  socketTextStream(host: string, port: number, options: SocketTextSourceOptions = {}): SingleOutputStream<string> {
    return this.fromSource(new SocketTextSource(host, port, options));
  }

  /** The lines of a text file, without line ends. */
  readTextFile(path: string): SingleOutputStream<string> {
    return this.fromSource(new TextFileSource(path));
  }

  /** Validates the topology and plans it; throws InvalidTopologyError listing every problem. */
  plan(jobName = 'Sluice Job'): ExecutionPlan {
    const plan = buildExecutionPlan(this.graph.nodes, {
      jobName,
      parallelism: this.config.parallelism,
      maxParallelism: this.config.maxParallelism,
      batchSize: this.config.batchSize,
      channelCapacity: this.config.channelCapacity,
      chaining: this.config.operatorChaining,
    });
    const problems = [...this.graph.problems, ...(isLeft(plan) ? plan.left : []), ...supervisionProblems(this.graph.nodes, this.checkpointConfig?.mode)];
    if (problems.length > 0 || isLeft(plan)) throw new InvalidTopologyError(problems);
    return plan.right;
  }

  /**
   * Takes a checkpoint every `intervalMs`, with the given guarantee (Flink's default,
   * exactly-once). `options` sets the other knobs: timeoutMs, minPauseMs, maxConcurrent,
   * tolerableFailures, retainedCheckpoints, unaligned. Throws a ConfigError listing every invalid setting.
   *
   * @example
   * env.enableCheckpointing(1000, 'exactly-once', { minPauseMs: 500 });
   */
  enableCheckpointing(intervalMs: number, mode: CheckpointingMode = 'exactly-once', options: CheckpointOptions = {}): this {
    const decoded = decodeCheckpointConfig(intervalMs, mode, options);
    if (isLeft(decoded)) throw new ConfigError(decoded.left);
    this.checkpointConfig = decoded.right;
    return this;
  }

  /** The checkpoint settings, or undefined while checkpointing is off. */
  getCheckpointConfig(): CheckpointConfig | undefined {
    return this.checkpointConfig;
  }

  /**
   * How the job recovers from failures: `{ type: 'none' | 'fixed-delay' | 'exponential-delay' | 'failure-rate', ... }`.
   * With checkpointing on and no strategy set, a job restarts with fixed-delay, as in Flink.
   */
  setRestartStrategy(strategy: RestartStrategy): this {
    const decoded = decodeRestartStrategy(strategy);
    if (isLeft(decoded)) throw new ConfigError([decoded.left]);
    this.restartStrategy = decoded.right;
    return this;
  }

  /**
   * Starts the job under an actor of the application (or its actor system): the application
   * names the job's actor and supervises it; stopping that actor or system stops the job, which
   * then settles as cancelled once every task has released what it holds.
   *
   * @example
   * const system = start();
   * const job = env.executeIn(system, 'scores', { actorName: 'fraud-scores' });
   * stop(system); // (await job).status === 'cancelled'
   */
  executeIn(parent: Ref<any>, jobName = 'Sluice Job', options: Omit<ExecuteOptions, 'parent'> = {}): JobHandle {
    return this.execute(jobName, { ...options, parent });
  }

  /**
   * Starts a job defined with `defineJob`: builds it here with `params` (plain data) and, with
   * taskManagers above 1, in every task manager, which each import its module (see
   * docs/task-managers.md). Refuses it, listing every problem, before anything starts.
   *
   * @example
   * const env = StreamEnvironment.create({ parallelism: 2, taskManagers: 2 });
   * const job = env.executeJob(keyedCount, { events: 100_000 }, 'keyed count');
   */
  executeJob<P, R>(definition: JobDefinition<P, R>, params: P, jobName = 'Sluice Job', options: ExecuteOptions = {}): JobHandle & { readonly built: R } {
    if (this.graph.nodes.length > 0) throw new ConfigError(['executeJob builds the job on an environment without streams: this one has some already (build them in the job definition, or call execute() for them)']);
    const built = definition.build(this, params);
    return Object.assign(this.start(jobName, options, { definition: definition as unknown as JobDefinition<unknown, unknown>, params }), { built });
  }

  /** Starts the job. Refuses a topology that cannot run before anything starts. */
  execute(jobName = 'Sluice Job', options: ExecuteOptions = {}): JobHandle {
    if (this.config.taskManagers > 1) {
      this.graph.clear();
      throw new ConfigError([
        `taskManagers ${this.config.taskManagers}: a job built inline cannot run on task managers, which build the job themselves from its module: define it with defineJob(__filename, (env, params) => ...) in a module of its own and start it with env.executeJob(job, params) (docs/task-managers.md)`,
      ]);
    }
    return this.start(jobName, options, undefined);
  }

  private start(jobName: string, options: ExecuteOptions, job: { readonly definition: JobDefinition<unknown, unknown>; readonly params: unknown } | undefined): JobHandle {
    if (options.actorName !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(options.actorName)) {
      throw new ConfigError([`actorName ${JSON.stringify(options.actorName)} must be 1-128 letters, digits, dashes or underscores, starting with a letter or digit`]);
    }
    let plan: ExecutionPlan;
    try {
      plan = this.plan(jobName);
    } finally {
      // As in Flink, executing consumes the topology: a later job on this environment starts afresh.
      this.graph.clear();
    }
    if (this.config.cluster !== undefined) {
      const problems = clusterJobProblems(plan, this.checkpointConfig);
      if (problems.length > 0) throw new ConfigError(problems);
    }
    const taskManagers = job === undefined ? 1 : taskManagerCount(this.config.taskManagers, plan);
    const jobId = this.config.jobId ?? `job-${process.pid}-${Date.now().toString(36)}-${++runCounter}`;
    let checkpointing: Checkpointing | undefined;
    let incremental: ReturnType<typeof incrementalSnapshotsFor>['incremental'];
    let redisStore: RedisCheckpointStore | undefined;
    if (this.checkpointConfig !== undefined) {
      const store = checkpointStoreFor(this.config.checkpointStorage, jobId, this.checkpointConfig.retainedCheckpoints);
      if (isLeft(store)) throw new ConfigError([store.left]);
      if (store.right instanceof RedisCheckpointStore) redisStore = store.right;
      const chosen = this.config.stateBackend === 'memory' ? { incremental: undefined, store: store.right } : incrementalSnapshotsFor(this.config.stateBackend, jobId, store.right);
      incremental = chosen.incremental;
      checkpointing = { config: this.checkpointConfig, store: chosen.store };
    }
    let restoreFrom;
    if (this.config.restoreFrom !== undefined) {
      const read = readRestoreSource(this.config.restoreFrom);
      if (isLeft(read)) throw new ConfigError([read.left]);
      restoreFrom = read.right;
    }
    const stateBackend = this.config.stateBackend;
    const restartStrategy = this.restartStrategy ?? (checkpointing !== undefined ? DEFAULT_RESTART_WITH_CHECKPOINTING : { type: 'none' as const });
    let run: JobRun;
    const logger = createLogger(this.config.logging).child({ job: jobName, jobId });
    const cluster = job === undefined || taskManagers === 1 ? undefined : new TaskManagers(job.definition, job.params, plan, {
          count: taskManagers,
          jobName,
          environment: workerOptions(this.options),
          resourceLimits: this.config.taskManagerHeapMb === undefined ? undefined : { maxOldGenerationSizeMb: this.config.taskManagerHeapMb },
          hangTimeoutMs: this.config.taskManagerHangTimeoutMs,
          keyedState: stateBackend === 'memory' ? { type: 'memory' } : { ...stateBackend, incremental: incremental ?? null },
        });
    const runOptions: RunJobOptions = {
      jobId,
      createKeyedStateBackend:
        this.config.stateBackend === 'memory'
          ? (range, maxParallelism) => new MemoryKeyedStateBackend(range, maxParallelism)
          : redisKeyedStateBackendFactory(this.config.stateBackend, jobId, incremental),
      checkpointing,
      restartStrategy,
      logger,
      parent: options.parent,
      actorName: options.actorName,
      restoreFrom,
      allowNonRestoredState: this.config.allowNonRestoredState,
      materialize: incremental === undefined || stateBackend === 'memory' ? undefined : (c) => materializeIncremental(stateBackend.url, c),
      metrics: this.config.metrics !== undefined,
    };
    const instances = this.config.cluster;
    try {
      run =
        instances === undefined
          ? runJob(plan, { ...runOptions, taskManagers: cluster })
          : runInstanceJob({
              plan,
              config: this.config,
              cluster: instances,
              keyedState: stateBackend === 'memory' ? { type: 'memory' } : { ...stateBackend, incremental: incremental ?? null },
              logger,
              logging: this.config.logging,
              // A master per leadership term: each has an actor system of its own, under no parent of the application's.
              runMaster: (deployment) => {
                // Its checkpoints complete only under the epoch it deploys under (a leader that lost office completes none).
                redisStore?.fence(() => deployment.fencing());
                return runJob(plan, { ...runOptions, parent: undefined, actorName: undefined, taskManagers: deployment });
              },
            });
    } catch (e) {
      // nact refuses a second child of the same name under one parent.
      if (e instanceof Error && /already exists/.test(e.message)) throw new ConfigError([`an actor named '${options.actorName}' already runs under the given parent; give the job another actorName`]);
      throw e;
    }
    const handle = new JobHandle(jobName, run, jobId, plan, this.config.metrics?.intervalMs, checkpointing !== undefined);
    if (cluster !== undefined) handle.taskManagers = cluster;
    if ('ownership' in run) handle.instance = run as InstanceJobRun;
    const rest = this.config.rest;
    // The API does not depend on web/: the HTTP server, the dashboard and prom-client's
    // registry load only for a job that is served.
    if (rest !== undefined) handle.rest = observed(import('../web/RestServer').then(({ serveJob }) => serveJob(handle, rest, logger)));
    announceJob(handle);
    return handle;
  }
}
