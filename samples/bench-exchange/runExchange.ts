/**
 * Runs one exchange configuration in this process and prints its figures as one JSON line:
 * `node build/samples/bench-exchange/runExchange.js <payload> <codec> <port|ring> <records>`.
 * Two worker threads, a producer and a consumer, exchange batches of the runtime's default
 * size under the runtime's default credit (two batches in flight); this thread only starts
 * them and collects their figures. The driver (main.ts) runs each configuration in a process of its
 * own so that peak RSS is per configuration.
 */
import * as path from 'path';
import { MessageChannel, Worker } from 'worker_threads';
import { CODECS, CodecId, makeCodec } from './codecs';
import { PAYLOADS, PayloadId, makeBatches } from './payloads';
import { createRing } from './ByteRing';
import type { EndConfig, EndReport, TransportId } from './exchangeWorker';

import { BATCH_SIZE, WINDOW_BATCHES } from './settings';

const LATENCY_BATCHES = 100;

export interface ExchangeResult {
  readonly payload: PayloadId;
  readonly codec: CodecId;
  readonly transport: TransportId;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  /** CPU time per record of each side's thread (what it spent on the exchange and on reading the records). */
  readonly producerUs: number;
  readonly consumerUs: number;
  /** The process's user + system CPU per record (both workers, GC threads, this thread). */
  readonly processCpuUs: number;
  readonly bytesPerRecord: number;
  readonly unloadedLatencyMs: number;
  readonly loadedLatencyP50Ms: number;
  readonly loadedLatencyP99Ms: number;
  readonly peakRssMb: number;
  /** The consumer read the same records the producer sent. */
  readonly checksumsMatch: boolean;
}

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

function start(config: Omit<EndConfig, 'port'>, port: EndConfig['port']): { worker: Worker; ready: Promise<void>; report: Promise<EndReport> } {
  const worker = new Worker(path.join(__dirname, 'exchangeWorker.js'), { workerData: { ...config, port }, transferList: [port] });
  let resolveReady: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  const report = new Promise<EndReport>((resolve, reject) => {
    worker.on('message', (m: 'ready' | EndReport) => (m === 'ready' ? resolveReady() : resolve(m)));
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`${config.role} exited with code ${code} before reporting`)));
  });
  return { worker, ready, report };
}

async function main(): Promise<void> {
  const [payload, codec, transport, recordsText] = process.argv.slice(2) as [PayloadId, CodecId, TransportId, string];
  if (!PAYLOADS.includes(payload)) throw new Error(`payload must be one of ${PAYLOADS.join(', ')}, got '${payload}'`);
  if (!CODECS.includes(codec)) throw new Error(`codec must be one of ${CODECS.join(', ')}, got '${codec}'`);
  if (transport !== 'port' && transport !== 'ring') throw new Error(`transport must be 'port' or 'ring', got '${transport}'`);
  const batches = Math.max(1, Math.round(Number(recordsText) / BATCH_SIZE));
  if (!Number.isFinite(batches)) throw new Error(`records must be a number, got '${recordsText}'`);

  const sample = makeBatches(payload, BATCH_SIZE, 1)[0];
  const bytesPerRecord = makeCodec(codec, payload).toBytes(sample).byteLength / BATCH_SIZE;
  const channel = new MessageChannel();
  // Room for the window's frames and as much again, so a skipped tail never stalls the producer.
  const ring = transport === 'ring' ? createRing(Math.ceil(2 * (WINDOW_BATCHES + 1) * (bytesPerRecord * BATCH_SIZE + 64))) : undefined;
  const common = { payload, codec, transport, batchSize: BATCH_SIZE, latencyBatches: LATENCY_BATCHES, batches, window: WINDOW_BATCHES, ring };
  const consumer = start({ ...common, role: 'consumer' }, channel.port1);
  const producer = start({ ...common, role: 'producer' }, channel.port2);
  await Promise.all([consumer.ready, producer.ready]);

  consumer.worker.postMessage('go');
  producer.worker.postMessage('go');
  const [c, p] = await Promise.all([consumer.report, producer.report]);
  await Promise.all([consumer.worker.terminate(), producer.worker.terminate()]);

  const records = batches * BATCH_SIZE;
  const seconds = c.seconds;
  const result: ExchangeResult = {
    payload,
    codec,
    transport,
    records,
    seconds,
    recordsPerSecond: records / seconds,
    producerUs: (p.cpuMs * 1000) / records,
    consumerUs: (c.cpuMs * 1000) / records,
    processCpuUs: (c.processCpuSeconds * 1e6) / records,
    bytesPerRecord,
    unloadedLatencyMs: quantile(c.unloadedLatenciesMs, 0.5),
    loadedLatencyP50Ms: quantile(c.loadedLatenciesMs, 0.5),
    loadedLatencyP99Ms: quantile(c.loadedLatenciesMs, 0.99),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    checksumsMatch: c.checksum === p.checksum,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
