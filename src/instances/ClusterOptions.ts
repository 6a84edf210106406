/**
 * The options that make processes instances of one job (docs/cluster.md): the same
 * `applicationId` on the same Redis (and Kafka) makes one job of every process started with it.
 * Decoded once, with every problem listed.
 */
import { hostname } from 'os';
import { randomBytes } from 'crypto';
import { Either, left, right } from 'fp-ts/Either';
import { DEFAULT_REDIS_OPERATION_TIMEOUT_MS } from '../state/redisConnection';
import { operationTimeoutProblem } from '../services/withinDeadline';

/** How processes find each other and the work they share. */
export interface ClusterOptions {
  /** Names the job: every process started with it is an instance of the same job. Letters, digits, '.', '_', '-' (it names Kafka topics and transactional ids). */
  readonly applicationId: string;
  /** The Redis that holds membership, the leader's lease, the epoch, the assignment (and the job's keyed state). */
  readonly redis: string;
  /** The Kafka cluster whose partitions are the job's source splits. */
  readonly kafka?: { readonly brokers: readonly string[] };
  /** This instance's name in reports and in Redis (default: host name, process id and a random suffix). Unique among live instances. */
  readonly instanceId?: string;
  /** How long an instance (and the leader) stays a member without renewing its lease (default 6000 ms): the bound on noticing a dead instance. */
  readonly leaseMs?: number;
  /** How often an instance renews its lease and reads the assignment (default leaseMs / 6). */
  readonly heartbeatMs?: number;
  /** The bound on joining: reaching Redis, reading partitions from Kafka, receiving a first assignment (default 30000 ms). */
  readonly operationTimeoutMs?: number;
}

/** ClusterOptions with every default applied. */
export interface ResolvedClusterOptions {
  readonly applicationId: string;
  readonly redis: string;
  readonly brokers: readonly string[] | undefined;
  readonly instanceId: string;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly operationTimeoutMs: number;
}

export const DEFAULT_LEASE_MS = 6000;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

const isInt = (u: unknown, min: number, max: number): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max;

/** The options with defaults applied, or every problem found in them. */
export function resolveClusterOptions(u: unknown): Either<readonly string[], ResolvedClusterOptions> {
  if (typeof u !== 'object' || u === null) return left([`cluster options must be an object { applicationId, redis, kafka?: { brokers } }, got ${JSON.stringify(u)}`]);
  const o = u as Record<string, unknown>;
  const problems: string[] = [];
  const known = ['applicationId', 'redis', 'kafka', 'instanceId', 'leaseMs', 'heartbeatMs', 'operationTimeoutMs'];
  for (const k of Object.keys(o)) if (!known.includes(k)) problems.push(`unknown cluster option '${k}' (known: ${known.join(', ')})`);
  if (typeof o.applicationId !== 'string' || !NAME.test(o.applicationId))
    problems.push(`applicationId must be 1 to 100 letters, digits, '.', '_' or '-' (it names Kafka topics and transactional ids), got ${JSON.stringify(o.applicationId)}`);
  if (typeof o.redis !== 'string' || !/^rediss?:\/\/[^/]/.test(o.redis)) problems.push(`redis must be a URL 'redis://host:port', got ${JSON.stringify(o.redis)}`);
  let brokers: readonly string[] | undefined;
  if (o.kafka !== undefined) {
    const b = (o.kafka as { brokers?: unknown } | null)?.brokers;
    if (!Array.isArray(b) || b.length === 0 || !b.every((x) => typeof x === 'string' && /^[^:\s]+:\d+$/.test(x))) problems.push(`kafka.brokers must be a non-empty list of 'host:port', got ${JSON.stringify(b)}`);
    else brokers = b as string[];
  }
  if (o.instanceId !== undefined && (typeof o.instanceId !== 'string' || !NAME.test(o.instanceId))) problems.push(`instanceId must be 1 to 100 letters, digits, '.', '_' or '-', got ${JSON.stringify(o.instanceId)}`);
  if (o.leaseMs !== undefined && !isInt(o.leaseMs, 500, 600_000)) problems.push(`leaseMs must be an integer in 500..600000 (ms), got ${JSON.stringify(o.leaseMs)}`);
  const leaseMs = isInt(o.leaseMs, 500, 600_000) ? o.leaseMs : DEFAULT_LEASE_MS;
  // Two renewals at least within a lease: one lost renewal must not cost an instance its work.
  if (o.heartbeatMs !== undefined && !isInt(o.heartbeatMs, 10, Math.floor(leaseMs / 2))) problems.push(`heartbeatMs must be an integer in 10..leaseMs / 2 (${Math.floor(leaseMs / 2)}), got ${JSON.stringify(o.heartbeatMs)}`);
  const timeoutProblem = operationTimeoutProblem(o.operationTimeoutMs);
  if (timeoutProblem !== undefined) problems.push(timeoutProblem);
  if (problems.length > 0) return left(problems);
  return right({
    applicationId: o.applicationId as string,
    redis: o.redis as string,
    brokers,
    instanceId: (o.instanceId as string | undefined) ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60)}-${process.pid}-${randomBytes(3).toString('hex')}`,
    leaseMs,
    heartbeatMs: (o.heartbeatMs as number | undefined) ?? Math.max(10, Math.floor(leaseMs / 6)),
    operationTimeoutMs: (o.operationTimeoutMs as number | undefined) ?? DEFAULT_REDIS_OPERATION_TIMEOUT_MS,
  });
}
