/**
 * The `cluster` option of StreamEnvironment.create (docs/cluster.md): its problems, what it
 * refuses beside it, and the defaults it brings. A job over instances keeps its keyed state
 * and its checkpoints in the cluster's Redis — the Redis backend's writes are fenced by the
 * job's epoch, a key of that Redis, and every instance's job master must find the same
 * checkpoints — so they default to it, and another place is refused. The job id is the
 * applicationId: every process, whichever leads, names the same checkpoints.
 */
import { isLeft } from 'fp-ts/Either';
import { ClusterOptions, ResolvedClusterOptions, resolveClusterOptions } from '../instances/ClusterOptions';
import { redactUrl, sameRedisDatabase } from '../state/redisConnection';
import type { StateBackendOption } from './EnvironmentConfig';

/** The key prefix of a cluster job's keyed state and checkpoints, when not given. */
export const CLUSTER_KEY_PREFIX = 'sluice';

/** Every problem of the `cluster` value alone. */
export function clusterOptionProblems(u: unknown): string[] {
  const resolved = resolveClusterOptions(u);
  const problems = isLeft(resolved) ? [...resolved.left] : [];
  const kafka = (u as { kafka?: unknown } | null)?.kafka;
  // Channels between tasks on different instances go through Kafka (docs/cluster.md).
  if (typeof u === 'object' && u !== null && kafka === undefined) problems.push("kafka: { brokers: ['host:port'] } is needed: channels between tasks on different instances go through Kafka");
  return problems;
}

interface Decoded {
  readonly cluster?: ClusterOptions;
  readonly stateBackend?: StateBackendOption;
  readonly checkpointStorage?: string;
  readonly jobId?: string;
}

/** What the other options must be beside `cluster`: each problem, naming the fix. */
export function clusterEnvironmentProblems(o: Decoded): string[] {
  const cluster = o.cluster;
  if (cluster === undefined) return [];
  const problems: string[] = [];
  const redis = redactUrl(cluster.redis);
  if (o.stateBackend === 'memory') problems.push(`stateBackend 'memory' cannot go with cluster: keyed state must be in the cluster's Redis (${redis}) so that key groups can move between instances; leave stateBackend out to use it`);
  else if (o.stateBackend !== undefined && !sameRedisDatabase(o.stateBackend.url, cluster.redis)) {
    problems.push(`stateBackend's Redis ${redactUrl(o.stateBackend.url)} is not the cluster's (${redis}): the state's writes are fenced by the job's epoch, kept in the cluster's Redis; leave stateBackend out to use it`);
  }
  if (o.checkpointStorage !== undefined && !(/^rediss?:/.test(o.checkpointStorage) && sameRedisDatabase(o.checkpointStorage.replace(/\?.*$/, ''), cluster.redis))) {
    problems.push(`checkpointStorage ${redactUrl(o.checkpointStorage)} cannot go with cluster: every instance that may lead must find the job's checkpoints, in the cluster's Redis (${redis}); leave checkpointStorage out to use it`);
  }
  if (o.jobId !== undefined && o.jobId !== cluster.applicationId) problems.push(`jobId '${o.jobId}' cannot go with cluster: a cluster job's id is its applicationId ('${cluster.applicationId}'); leave jobId out`);
  if (!/^[A-Za-z0-9]/.test(cluster.applicationId)) problems.push(`applicationId '${cluster.applicationId}' must start with a letter or a digit: it is the job's id`);
  return problems;
}

/** The options with the cluster resolved and the state, checkpoints and job id it implies. */
export function withClusterDefaults<O extends Decoded>(o: O): Omit<O, 'cluster'> & { readonly cluster: ResolvedClusterOptions | undefined } {
  if (o.cluster === undefined) return { ...o, cluster: undefined };
  const resolved = resolveClusterOptions(o.cluster);
  // Checked by clusterOptionProblems before.
  if (isLeft(resolved)) throw new Error(`cluster options: ${resolved.left.join('; ')}`);
  const cluster = resolved.right;
  const storage = new URL(cluster.redis);
  storage.searchParams.set('prefix', CLUSTER_KEY_PREFIX);
  return {
    ...o,
    cluster,
    jobId: cluster.applicationId,
    stateBackend: o.stateBackend ?? { type: 'redis', url: cluster.redis, keyPrefix: CLUSTER_KEY_PREFIX },
    checkpointStorage: o.checkpointStorage ?? storage.toString(),
  };
}
