/**
 * The HTTP server of a running job: the REST API (restRoutes.ts), /metrics and the dashboard
 * (a page and its bundled script), from the job's own process. It listens once the job
 * starts and closes when the job has ended (and the outcomes of savepoint requests have been
 * read, for at most OUTCOME_LINGER_MS); with a token, every API request must carry it
 * (the page and its script hold no data and load without it).
 */
import * as http from 'http';
import * as path from 'path';
import { promises as fs } from 'fs';
import { AddressInfo } from 'net';
import { timingSafeEqual } from 'crypto';
import type { RestAddress } from './RestAddress';
import type { ServedJob } from './ServedJob';
import type { RestOptions } from './RestOptions';
import { Logger, loggedError } from '../logging/logger';
import { observed } from '../runtime/observed';
import { errorBody, invalidJson, route } from './restRoutes';
import { savepointRequestsOf } from './savepointRequests';
import { DASHBOARD_HTML } from './dashboardPage';

/** Where `make build` writes the dashboard's bundled script. */
const DASHBOARD_SCRIPT = path.resolve(__dirname, '..', '..', 'web', 'dashboard.js');
/** How long the server outlives its job at most while a savepoint request's outcome is unread. */
const OUTCOME_LINGER_MS = 10_000;
/** Larger request bodies are refused: the API takes a few small JSON objects. */
const MAX_BODY_BYTES = 64 * 1024;

function send(res: http.ServerResponse, status: number, body: unknown, contentType = 'application/json; charset=utf-8', extra: http.OutgoingHttpHeaders = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...extra });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve(invalidJson);
      }
    });
    req.on('error', reject);
  });
}

function authorized(req: http.IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function handle(job: ServedJob, options: RestOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) return send(res, 200, DASHBOARD_HTML, 'text/html; charset=utf-8');
  if (req.method === 'GET' && url.pathname === '/dashboard.js') {
    const script = await fs.readFile(DASHBOARD_SCRIPT, 'utf8').catch(() => undefined);
    if (script === undefined) return send(res, 404, errorBody(`the dashboard's script is not built (${DASHBOARD_SCRIPT}): run make build`));
    return send(res, 200, script, 'text/javascript; charset=utf-8');
  }
  if (!authorized(req, options.token)) return send(res, 401, errorBody('this API needs Authorization: Bearer <token> (the rest.token option)'), undefined, { 'www-authenticate': 'Bearer' });
  let body: unknown;
  try {
    body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
  } catch (e) {
    return send(res, 413, errorBody(e instanceof Error ? e.message : String(e)));
  }
  if (body === invalidJson) return send(res, 400, errorBody('the request body is not JSON'));
  const answer = await route(job, { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body });
  send(res, answer.status, answer.body, answer.contentType);
}

/**
 * Serves `job` as `options` say until the job has ended; resolves with the address once
 * listening. Rejects (observed: a caller that never awaits it is not failed by it) when the
 * server cannot listen; the job runs on, and the failure is logged.
 */
export function serveJob(job: ServedJob, options: RestOptions, logger: Logger): Promise<RestAddress> {
  const log = logger.child({ component: 'rest' });
  const requests = savepointRequestsOf(job);
  // After the job has ended, the server stays until every savepoint request's outcome has been
  // read (a stop's is known only then), and closes once the answer that read it is sent.
  const closeWhenDone = () => {
    if (lingering !== undefined && requests.allRead()) closed();
  };
  const server = http.createServer((req, res) => {
    res.once('finish', closeWhenDone);
    handle(job, options, req, res).catch((e: unknown) => {
      log.warn({ error: loggedError(e), path: req.url }, `REST request failed: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) send(res, 500, errorBody(e instanceof Error ? e.message : String(e)));
      else res.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  let ended = false;
  /** Set once the job has ended: the longest the server waits for unread savepoint outcomes. */
  let lingering: NodeJS.Timeout | undefined;
  const closed = () => {
    ended = true;
    clearTimeout(lingering);
    if (!server.listening) return;
    server.close();
    server.closeAllConnections();
  };
  return observed(
    new Promise<RestAddress>((resolve, reject) => {
      server.once('error', (e) => {
        log.error({ error: loggedError(e) }, `the REST server cannot listen on ${host}:${options.port}: ${e.message}`);
        reject(e);
      });
      server.listen(options.port, host, () => {
        const { port } = server.address() as AddressInfo;
        const shown = host.includes(':') ? `[${host}]` : host;
        const address = { host, port, url: `http://${shown}:${port}` };
        log.info(address, `dashboard and REST API on ${address.url}`);
        resolve(address);
        // The job ended while the server was starting.
        if (ended) closed();
      });
      // Closed once the job has ended, whatever its end (the process may exit then).
      const jobEnded = () => {
        lingering = setTimeout(closed, OUTCOME_LINGER_MS);
        closeWhenDone();
      };
      job.result.then(jobEnded, jobEnded);
    }),
  );
}
