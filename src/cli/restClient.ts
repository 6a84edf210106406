/**
 * The command line's client of a running job's REST API (src/web/restRoutes.ts): one request
 * bounded in time, its answer decoded with io-ts, and every way it can go wrong as a value
 * (RestCallError) that names the URL; the commands turn it into a message and an exit code.
 */
import { absurd } from 'fp-ts/function';
import * as t from 'io-ts';
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { EXIT, ExitCode } from './exitCodes';

/** Where the job's API is and how to ask it (`--url`, `--token`, `--timeout`). */
export interface RestTarget {
  /** The API's base URL, without a trailing slash. */
  readonly url: string;
  readonly token: string | undefined;
  /** How long one request may wait for its answer, in ms. */
  readonly timeoutMs: number;
}

/** Why a request got no usable answer. */
export type RestCallError =
  /**
   * No connection, no answer in time, or something that is not a Sluice job's API answered.
   * `refused`: nothing listens there (a job's server closes once the job has ended).
   */
  | { readonly _tag: 'Unreachable'; readonly message: string; readonly refused: boolean }
  /** 401: a token is needed, or the one given is not accepted. */
  | { readonly _tag: 'Unauthorized'; readonly message: string }
  /** 404: no such job (or resource) at that API. */
  | { readonly _tag: 'NotFound'; readonly message: string }
  /** Any other refusal (400, 405, 500): the server's reasons. */
  | { readonly _tag: 'Refused'; readonly message: string };

export const exitCodeOf = (e: RestCallError): ExitCode => {
  switch (e._tag) {
    case 'Unreachable':
      return EXIT.unavailable;
    case 'Unauthorized':
      return EXIT.unauthorized;
    case 'NotFound':
      return EXIT.notFound;
    case 'Refused':
      return EXIT.failed;
    default:
      return absurd(e);
  }
};

/** Every error answer of the API has Flink's shape. */
const ErrorBodyCodec = t.type({ errors: t.array(t.string) });

const unreachable = (message: string, refused = false): RestCallError => ({ _tag: 'Unreachable', message, refused });

/** Why fetch failed, in a few words: Node's fetch hides the socket's error under `cause`. */
function reasonOf(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the job running, with its rest option set?)';
  if (typeof cause?.code === 'string') return `${cause.code}${typeof cause.message === 'string' ? ` (${cause.message})` : ''}`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * `method path` on the job's API, with `body` as JSON; the answer decoded by `codec`.
 * Waits at most `target.timeoutMs`.
 */
export async function callApi<A>(target: RestTarget, method: string, path: string, codec: t.Decoder<unknown, A>, body?: unknown): Promise<Either<RestCallError, A>> {
  const where = `the job's REST API at ${target.url}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (target.token !== undefined) headers.authorization = `Bearer ${target.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let status: number;
  let contentType: string;
  let text: string;
  try {
    const res = await fetch(target.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(target.timeoutMs) });
    status = res.status;
    contentType = res.headers.get('content-type') ?? '';
    text = await res.text();
  } catch (e) {
    const refused = e instanceof Error && (e.cause as { code?: unknown } | undefined)?.code === 'ECONNREFUSED';
    return left(unreachable(`cannot reach ${where}: ${reasonOf(e, target.timeoutMs)}`, refused));
  }
  let json: unknown;
  try {
    json = contentType.startsWith('application/json') ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (json === undefined) return left(unreachable(`what answers at ${target.url} is not a Sluice job's REST API (HTTP ${status}, ${contentType || 'no content type'})`));
  if (status === 401) {
    const why = target.token === undefined ? 'it needs a token: give --token or set SLUICE_TOKEN' : 'the token given is not accepted';
    return left({ _tag: 'Unauthorized', message: `${where} refused the request: ${why}` });
  }
  if (status >= 400) {
    const errors = ErrorBodyCodec.decode(json);
    const reasons = isLeft(errors) ? JSON.stringify(json) : errors.right.errors.join('; ');
    return left(status === 404 ? { _tag: 'NotFound', message: `${target.url}: ${reasons}` } : { _tag: 'Refused', message: `${where} refused ${method} ${path} (HTTP ${status}): ${reasons}` });
  }
  const decoded = codec.decode(json);
  if (isLeft(decoded)) return left(unreachable(`${where} answered ${method} ${path} in a shape this command does not know: ${PathReporter.report(decoded).slice(0, 3).join('; ')}`));
  return right(decoded.right);
}

/** A job id as a path segment. */
export const jobPath = (job: string, rest = '') => `/jobs/${encodeURIComponent(job)}${rest}`;
