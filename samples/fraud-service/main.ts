/**
 * A small fraud-scoring service: an HTTP endpoint asks a running stateful job for a verdict
 * per payment. The job runs inside the service's own actor system; stopping the system stops
 * the job. Run with `node build/samples/fraud-service/main.js` after `npx tsc -p .`: it
 * starts the service on a free port, sends it payments as a client would, prints the answers
 * and stops.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { start, stop } from 'nact';
import { AskGateway, AskRefusedError, AskTimeoutError, StreamEnvironment } from '../../src';
import { Payment, Verdict, scoringJob } from './scoring';

const ASK_TIMEOUT_MS = 2000;

function serve(gateway: AskGateway<Payment, Verdict>): http.Server {
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      let payment: Payment;
      try {
        payment = JSON.parse(body) as Payment;
      } catch {
        res.writeHead(400).end(JSON.stringify({ error: 'the body must be JSON' }));
        return;
      }
      gateway.ask(payment, ASK_TIMEOUT_MS).then(
        (verdict) => res.writeHead('error' in verdict ? 422 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(verdict)),
        (e: Error) => res.writeHead(e instanceof AskRefusedError ? 503 : e instanceof AskTimeoutError ? 504 : 500).end(JSON.stringify({ error: e.message })),
      );
    });
  });
}

function post(port: number, payment: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, method: 'POST', path: '/payments', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as unknown }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(payment));
  });
}

export async function main(): Promise<void> {
  const system = start();
  const gateway = AskGateway.spawn<Payment, Verdict>(system, 'payments');
  const env = StreamEnvironment.create({ parallelism: 2, logging: { pretty: true } }); // log lines on stderr, one readable line each
  scoringJob(env, gateway);
  const job = env.executeIn(system, 'fraud scores', { actorName: 'fraud-scores' });
  const server = serve(gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  console.log(`fraud service on http://127.0.0.1:${port}/payments`);

  const payments: unknown[] = [
    { account: 'alice', amount: 120 },
    { account: 'bob', amount: 40 },
    { account: 'alice', amount: 700 },
    { account: 'alice', amount: 300 },
    { account: 'bob', amount: -5 },
    { account: 'carol', amount: 999 },
  ];
  for (const p of payments) {
    const { status, body } = await post(port, p);
    console.log(`${JSON.stringify(p)} -> ${status} ${JSON.stringify(body)}`);
  }
  console.log('gateway:', JSON.stringify(gateway.stats()));
  server.close();
  stop(system);
  const result = await job;
  console.log(`job ${result.status} with the service's actor system`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
