/**
 * Where a job is written and started: sources, settings, and `execute`.
 *
 * @example
 * const env = StreamEnvironment.create({ parallelism: 2 });
 * const counts = await env
 *   .fromCollection(['a b', 'b'])
 *   .flatMap((line: string, out) => line.split(' ').forEach((w) => out.collect(w)))
 *   .keyBy((w) => w)
 *   .map((w) => ({ word: w, n: 1 }))
 *   ...
 */
import { isLeft } from 'fp-ts/Either';
import { CollectionSource } from '../connectors/CollectionSource';
import { GeneratorSource } from '../connectors/GeneratorSource';
import { Source } from '../connectors/Source';
import { TextFileSource } from '../connectors/TextFileSource';
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { JobGraphBuilder } from '../graph/JobGraphBuilder';
import { buildExecutionPlan } from '../graph/buildExecutionPlan';
import { InvalidTopologyError } from '../graph/TopologyProblem';
import { runJob } from '../runtime/runJob';
import { MemoryKeyedStateBackend } from '../state/MemoryKeyedStateBackend';
import { SingleOutputStream } from './DataStream';
import { EnvironmentConfig, StreamEnvironmentOptions, decodeEnvironmentOptions } from './EnvironmentConfig';
import { JobHandle } from './JobHandle';

export class StreamEnvironment {
  /** @internal */
  readonly graph = new JobGraphBuilder();

  private constructor(readonly config: EnvironmentConfig) {}

  /** Decodes the options; throws a ConfigError listing every invalid or unknown option. */
  static create(options: StreamEnvironmentOptions = {}): StreamEnvironment {
    return new StreamEnvironment(decodeEnvironmentOptions(options));
  }

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
    const problems = [...this.graph.problems, ...(isLeft(plan) ? plan.left : [])];
    if (problems.length > 0 || isLeft(plan)) throw new InvalidTopologyError(problems);
    return plan.right;
  }

  /** Starts the job. Refuses a topology that cannot run before anything starts. */
  execute(jobName = 'Sluice Job'): JobHandle {
    const plan = this.plan(jobName);
    return new JobHandle(jobName, runJob(plan, (range, maxParallelism) => new MemoryKeyedStateBackend(range, maxParallelism)));
  }
}
