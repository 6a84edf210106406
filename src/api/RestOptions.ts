/**
 * The `rest` and `metrics` options of a StreamEnvironment, decoded with io-ts where the other
 * options are (EnvironmentConfig): the REST server listens on loopback unless told otherwise,
 * explicitly.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';

/** Options of a job's metrics (the environment's `metrics` option). */
export interface MetricsOptions {
  /** How often the job's metrics are sampled, in ms (default 1000): the rates are per second over this interval. */
  readonly intervalMs?: number;
}

const RestOptionsCodec = t.intersection([
  t.type({ port: t.number }),
  t.partial({ host: t.string, allowNonLoopback: t.boolean, token: t.string }),
]);
const MetricsOptionsCodec = t.partial({ intervalMs: t.number });

/** Loopback addresses: IPv4 127.0.0.0/8, IPv6 ::1, and the name localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

const unknownFields = (o: object, known: readonly string[]) => Object.keys(o).filter((k) => !known.includes(k));

/** Why a `rest` value is not acceptable, every problem; empty when it is. */
export function restOptionProblems(u: unknown): string[] {
  const shape = '{ port: <0-65535>, host?: <address>, allowNonLoopback?: boolean, token?: <string> }';
  const decoded = RestOptionsCodec.decode(u);
  if (isLeft(decoded) || typeof u !== 'object' || u === null) return [`must be ${shape}`];
  const o = decoded.right;
  const problems: string[] = [];
  const unknown = unknownFields(u, ['port', 'host', 'allowNonLoopback', 'token']);
  if (unknown.length > 0) problems.push(`unknown field(s) ${unknown.join(', ')} (known: port, host, allowNonLoopback, token)`);
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) problems.push('port must be an integer in 0..65535');
  if (o.host !== undefined && !isLoopback(o.host) && o.allowNonLoopback !== true) {
    problems.push(`host '${o.host}' is not a loopback address: whoever reaches it can cancel the job; set allowNonLoopback: true (and a token) to listen there`);
  }
  if (o.token !== undefined && o.token.length < 8) problems.push('token must have at least 8 characters');
  return problems;
}

/** Why a `metrics` value is not acceptable; empty when it is. */
export function metricsOptionProblems(u: unknown): string[] {
  if (typeof u === 'boolean') return [];
  const decoded = MetricsOptionsCodec.decode(u);
  if (isLeft(decoded) || typeof u !== 'object' || u === null) return ['must be true, false or { intervalMs?: <ms> }'];
  const problems: string[] = [];
  const unknown = unknownFields(u, ['intervalMs']);
  if (unknown.length > 0) problems.push(`unknown field(s) ${unknown.join(', ')} (known: intervalMs)`);
  const ms = decoded.right.intervalMs;
  if (ms !== undefined && !(Number.isInteger(ms) && ms >= 50 && ms <= 600_000)) problems.push('intervalMs must be an integer in 50..600000');
  return problems;
}
