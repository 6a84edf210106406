/**
 * One end of a measured exchange, run in a worker thread (runExchange.ts starts two): the
 * producer encodes and sends prepared batches as fast as its credit window allows; the
 * consumer decodes each batch, reads every record and returns the credit. Each reports the
 * CPU time its thread spent (encoding, sending, receiving, decoding) and the consumer each
 * batch's latency, send to decoded.
 */
import { readFileSync } from 'fs';
import { MessagePort, parentPort, workerData } from 'worker_threads';
import { performance } from 'perf_hooks';
import { CodecId, makeCodec } from './codecs';
import { Batch, PayloadId, makeBatches, touch } from './payloads';
import { RingConsumer, RingProducer } from './ByteRing';

export type TransportId = 'port' | 'ring';

export interface EndConfig {
  readonly role: 'producer' | 'consumer';
  readonly payload: PayloadId;
  readonly codec: CodecId;
  readonly transport: TransportId;
  readonly batchSize: number;
  /** Batches sent one at a time first, each waiting for the last one's credit (unloaded latency). */
  readonly latencyBatches: number;
  /** Batches sent then as fast as the credit window allows (throughput). */
  readonly batches: number;
  /** Batches in flight at most during the throughput phase. */
  readonly window: number;
  readonly port: MessagePort;
  readonly ring: SharedArrayBuffer | undefined;
}

/** What an end reports for each phase. */
export interface EndReport {
  readonly role: 'producer' | 'consumer';
  /** CPU milliseconds of this thread in the throughput phase. */
  readonly cpuMs: number;
  /** Per batch, send to decoded, in ms (consumer only): unloaded, then under load. */
  readonly unloadedLatenciesMs: readonly number[];
  readonly loadedLatenciesMs: readonly number[];
  readonly checksum: number;
  /** Consumer only: wall seconds of the throughput phase, and the whole process's CPU seconds in it (all threads). */
  readonly seconds: number;
  readonly processCpuSeconds: number;
}

const config = workerData as EndConfig;
const codec = makeCodec(config.codec, config.payload);
const now = () => performance.timeOrigin + performance.now();

/**
 * This thread's CPU time in ms: Linux's per-thread scheduler figures (nanoseconds on a CPU),
 * read synchronously so that /proc/thread-self is this thread; elsewhere, the event loop's
 * active time, which also counts time the thread waited for a CPU on a loaded machine.
 */
function threadCpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return performance.eventLoopUtilization().active;
  }
}

interface PortFrame {
  readonly sentAt: number;
  readonly body: unknown;
}

async function produce(): Promise<EndReport> {
  const pool = makeBatches(config.payload, config.batchSize, 16);
  let checksum = 0;
  // The records the consumer will see, in the order it will see them.
  for (let i = 0; i < config.latencyBatches; i++) checksum += touch(config.payload, pool[i % pool.length]);
  for (let i = 0; i < config.batches; i++) checksum += touch(config.payload, pool[i % pool.length]);
  const send = config.transport === 'port' ? portSender() : ringSender(new RingProducer(config.ring!));
  for (let i = 0; i < config.latencyBatches; i++) await send(pool[i % pool.length], 1);
  await send(undefined, 1); // drained: the throughput phase starts with the consumer idle
  const started = threadCpuMs();
  for (let i = 0; i < config.batches; i++) await send(pool[i % pool.length], config.window);
  await send(undefined, 1);
  return { role: 'producer', cpuMs: threadCpuMs() - started, unloadedLatenciesMs: [], loadedLatenciesMs: [], checksum, seconds: 0, processCpuSeconds: 0 };
}

/** Sends one batch (`undefined`: the end-of-phase marker) once fewer than `window` are in flight. */
function portSender(): (batch: Batch | undefined, window: number) => Promise<void> {
  let inFlight = 0;
  let wake: (() => void) | undefined;
  config.port.on('message', () => {
    inFlight--;
    wake?.();
  });
  return async (batch, window) => {
    while (inFlight >= window) await new Promise<void>((resolve) => (wake = resolve));
    const sentAt = now();
    if (batch === undefined) config.port.postMessage({ sentAt, body: null } satisfies PortFrame);
    else {
      const { message, transfer } = codec.toMessage(batch);
      config.port.postMessage({ sentAt, body: message } satisfies PortFrame, transfer);
    }
    inFlight++;
  };
}

function ringSender(ring: RingProducer): (batch: Batch | undefined, window: number) => Promise<void> {
  return async (batch, window) => {
    // An empty frame marks the end of a phase.
    if (batch === undefined) return ring.write(new Uint8Array(0), now(), window);
    const sentAt = now();
    await ring.write(codec.toBytes(batch), sentAt, window);
  };
}

async function consume(): Promise<EndReport> {
  const unloaded: number[] = [];
  const loaded: number[] = [];
  let checksum = 0;
  let started = threadCpuMs();
  let startedAt = 0;
  let cpuBefore = process.cpuUsage();
  let seconds = 0;
  let processCpuSeconds = 0;
  let phase = 0; // 0: unloaded latency, 1: throughput, 2: done
  const received = (batch: Batch | undefined, sentAt: number) => {
    if (batch === undefined) {
      phase++;
      if (phase === 1) {
        started = threadCpuMs();
        startedAt = now();
        cpuBefore = process.cpuUsage();
      } else {
        seconds = (now() - startedAt) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        processCpuSeconds = (cpu.user + cpu.system) / 1e6;
      }
      return;
    }
    checksum += touch(config.payload, batch);
    (phase === 0 ? unloaded : loaded).push(now() - sentAt);
  };
  if (config.transport === 'port') {
    await new Promise<void>((resolve) => {
      config.port.on('message', (frame: PortFrame) => {
        received(frame.body === null ? undefined : codec.fromMessage(frame.body), frame.sentAt);
        config.port.postMessage(0);
        if (phase === 2) resolve();
      });
    });
  } else {
    const ring = new RingConsumer(config.ring!);
    while (phase < 2) {
      const { bytes, sentAt } = await ring.next();
      received(bytes.byteLength === 0 ? undefined : codec.fromBytes(bytes), sentAt);
    }
  }
  return { role: 'consumer', cpuMs: threadCpuMs() - started, unloadedLatenciesMs: unloaded, loadedLatenciesMs: loaded, checksum, seconds, processCpuSeconds };
}

// An `on` listener, not `once`: it keeps the thread alive while it waits in Atomics.waitAsync,
// which holds no reference to the event loop; the driver terminates the thread after its report.
parentPort!.on('message', () => {
  (config.role === 'producer' ? produce() : consume()).then(
    (report) => parentPort!.postMessage(report),
    (e: unknown) => {
      throw e;
    },
  );
});
parentPort!.postMessage('ready');
