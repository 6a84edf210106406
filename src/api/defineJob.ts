/**
 * A job that task managers on worker threads can build too. A closure cannot cross threads,
 * so every task manager imports the module that defines the job and builds the same graph
 * from the same code, as Kafka Streams instances run the same program. The module names
 * itself (`__filename`, or `import.meta.url` in an ES module): the entry module is not always
 * the job (under mocha it is mocha; an application may start a web server first), and a
 * module's own name is the one thing every thread can import.
 *
 * @example
 * // jobs/wordCount.ts: a module of its own, with no side effects at its top level
 * export const wordCount = defineJob(__filename, (env, lines: readonly string[]) => {
 *   env.fromCollection(lines).flatMap(...).keyBy((w) => w.word).sum('n').addSink(...);
 * });
 */
import * as path from 'path';
import { fileURLToPath } from 'url';
import type { StreamEnvironment } from './StreamEnvironment';

/** A job defined with `defineJob`: started with `env.executeJob(definition, params, name)`; every task manager builds it from its module. */
export interface JobDefinition<P, R = void> {
  /** The defining module, as an absolute file path: every task manager imports it. */
  readonly module: string;
  /** Tells apart the jobs one module defines (`default` when it defines one). */
  readonly name: string;
  /**
   * Builds the job's graph on `env` from `params` (plain data: it is copied to every task
   * manager). What it returns in the application's thread is the handle's `built` (e.g. the
   * CollectSink the results arrive at); what it returns in a task manager is dropped.
   */
  readonly build: (env: StreamEnvironment, params: P) => R;
}

/** The jobs defined in this thread, by module and name: a task manager finds its job here once it imported the module. */
const definitions = new Map<string, JobDefinition<never, unknown>>();
const key = (module: string, name: string) => `${module}#${name}`;

/**
 * Defines a job in the module named by `moduleRef` (pass that module's own `__filename` or
 * `import.meta.url`). Throws when `moduleRef` is neither, or when the module already defined
 * a job of that name.
 */
export function defineJob<P = void, R = void>(moduleRef: string, build: (env: StreamEnvironment, params: P) => R, options: { readonly name?: string } = {}): JobDefinition<P, R> {
  const module = moduleRef.startsWith('file:') ? fileURLToPath(moduleRef) : moduleRef;
  if (!path.isAbsolute(module)) throw new Error(`defineJob needs the defining module's own __filename or import.meta.url, got ${JSON.stringify(moduleRef)}`);
  const name = options.name ?? 'default';
  if (definitions.has(key(module, name))) throw new Error(`${module} defines two jobs named '${name}': give each its own name (defineJob(…, { name }))`);
  const definition: JobDefinition<P, R> = { module, name, build };
  definitions.set(key(module, name), definition as unknown as JobDefinition<never, unknown>);
  return definition;
}

/** @internal The job `name` of `module`, once the module was imported in this thread. */
export function definedJob(module: string, name: string): JobDefinition<unknown, unknown> | undefined {
  return definitions.get(key(module, name)) as JobDefinition<unknown, unknown> | undefined;
}
