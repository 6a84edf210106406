/**
 * The Kafka channel between instances against a MessagePort (docs/internals.md, "The Kafka
 * channel"): a BatchSender and a BatchReceiver with the runtime's window and read-ahead, the
 * receiver granting back each batch as it takes it, carrying batches of records over (a) a
 * MessageChannel and (b) two KafkaExchanges (two clients, as two instances have) on a real
 * broker, alternating from run to run. Both ends run in this process's main thread, so the
 * figures are the transport's: frames/s, records/s, and this process's CPU per record (the
 * broker's CPU is not counted). Before that, each frame's serialization: v8.serialize (what
 * KafkaFramePort does) against msgpackr and JSON, per frame, with whether what comes back is
 * what a structured clone gives.
 *
 * Usage: node build/samples/bench-kafka-channel/main.js <bootstrap host:port> [serializers|channel]
 * Environment: BENCH_RUNS (runs per transport, default 3), BENCH_RECORDS (per run, default 300,000).
 */
import { MessageChannel } from 'worker_threads';
import { isDeepStrictEqual } from 'util';
import * as os from 'os';
import * as v8 from 'v8';
import { Packr } from 'msgpackr';
import type { Admin } from 'kafkajs';
import { BatchReceiver } from '../../src/cluster/BatchReceiver';
import { BatchSender } from '../../src/cluster/BatchSender';
import { toColumns } from '../../src/cluster/batchColumns';
import { EXCHANGE_READ_AHEAD } from '../../src/cluster/ExchangeInlet';
import { EXCHANGE_WINDOW } from '../../src/cluster/ExchangeOutlet';
import { FramePort } from '../../src/cluster/FramePort';
import { createKafkaClient } from '../../src/connectors/kafka/kafkaClient';
import { KafkaExchange } from '../../src/cluster/KafkaExchange';
import { ensureExchangeTopic, readEndOffsets } from '../../src/cluster/exchangeTopic';
import { makeBatches } from '../bench-exchange/payloads';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000);
/** The runtime's defaults: batchSize 1,024, channel capacity 2 batches. */
const BATCH = 1024;
const CAPACITY = 2 * BATCH;

interface Trade {
  readonly id: number;
  readonly account: string;
  readonly amount: number;
}

/** The keyed benchmark's trades: one shape, so a batch goes in columns. */
function trades(batch: number): { records: Trade[]; timestamps: number[] } {
  const records = Array.from({ length: BATCH }, (_, i) => ({ id: batch * BATCH + i, account: `acct-${(batch * BATCH + i) % 977}`, amount: ((batch * 31 + i) % 10_000) / 100 }));
  return { records, timestamps: records.map((r) => 1_767_225_600_000 + r.id) };
}

/** A frame as BatchSender posts it: in columns where the records allow. */
function frameOf(records: readonly unknown[], timestamps: readonly number[]): unknown {
  const columns = toColumns(records);
  return columns === undefined ? { type: 'records', records, timestamps } : { type: 'columns', columns, timestamps: new Float64Array(timestamps) };
}

function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Per frame: encode + decode time and bytes, and whether it comes back as a structured clone does. */
function serializers(): void {
  const packr = new Packr({ useRecords: true, moreTypes: true });
  const cloning = new Packr({ useRecords: true, moreTypes: true, structuredClone: true });
  const codecs: Record<string, { encode: (f: unknown) => Buffer | string; decode: (b: Buffer | string) => unknown }> = {
    'v8.serialize': { encode: (f) => v8.serialize(f), decode: (b) => v8.deserialize(b as Buffer) },
    msgpackr: { encode: (f) => packr.pack(f), decode: (b) => packr.unpack(b as Buffer) },
    'msgpackr structuredClone': { encode: (f) => cloning.pack(f), decode: (b) => cloning.unpack(b as Buffer) },
    json: { encode: (f) => JSON.stringify(f), decode: (b) => JSON.parse(b as string) },
  };
  const bids = makeBatches('bids', BATCH, 1)[0];
  const payloads: Record<string, unknown> = { 'trades (columns)': frameOf(trades(0).records, trades(0).timestamps), 'bids (columns)': frameOf(bids.records, bids.timestamps), 'bids (records)': { type: 'records', records: bids.records, timestamps: bids.timestamps } };
  // What a record holding a function becomes: postMessage and v8.serialize refuse it (BatchSender names the record).
  const withFunction = { type: 'records', records: [{ id: 1, f: () => 1 }], timestamps: [0] };
  const refusal = Object.fromEntries(
    Object.entries(codecs).map(([codec, { encode }]) => {
      try {
        encode(withFunction);
        return [codec, 'passed'];
      } catch {
        return [codec, 'refused'];
      }
    }),
  );
  console.log(`\nSerializing one frame of ${BATCH} records (this process's CPU µs a frame, encode + decode; bytes a frame; faithful = equals a structured clone; a record with a function: refused or passed)`);
  console.log('| frame | codec | µs/frame | bytes/frame | faithful | function |\n| --- | --- | --- | --- | --- | --- |');
  for (const [name, frame] of Object.entries(payloads)) {
    for (const [codec, { encode, decode }] of Object.entries(codecs)) {
      const faithful = isDeepStrictEqual(decode(encode(frame)), structuredClone(frame));
      const rounds = 400;
      for (let i = 0; i < 50; i++) decode(encode(frame));
      const started = cpuUs();
      let bytes = 0;
      for (let i = 0; i < rounds; i++) {
        const encoded = encode(frame);
        bytes = encoded.length;
        decode(encoded);
      }
      console.log(`| ${name} | ${codec} | ${((cpuUs() - started) / rounds).toFixed(1)} | ${bytes} | ${faithful ? 'yes' : 'NO'} | ${refusal[codec]} |`);
    }
  }
}

interface ChannelResult {
  readonly transport: string;
  readonly seconds: number;
  readonly frames: number;
  readonly cpuUsPerRecord: number;
}

/** Sends RECORDS trades through the ports with the runtime's bounds; resolves when all arrived. */
function carry(transport: string, producerPort: FramePort, consumerPort: FramePort): Promise<ChannelResult> {
  const batches = Math.ceil(RECORDS / BATCH);
  const prepared = Array.from({ length: batches }, (_, b) => trades(b));
  return new Promise((resolve, reject) => {
    let sent = 0;
    let received = 0;
    let frames = 0;
    const started = performance.now();
    const cpu = cpuUs();
    const sender: BatchSender = new BatchSender(producerPort, transport, EXCHANGE_WINDOW, {
      writable: () => pump(),
      failed: (e) => reject(new Error(`${transport}: sender failed: ${JSON.stringify(e)}`)),
    });
    const pump = () => {
      while (sent < batches && sender.canSendRecords(BATCH)) {
        sender.sendRecords(prepared[sent].records, prepared[sent].timestamps);
        sent++;
        frames++;
      }
    };
    const receiver: BatchReceiver = new BatchReceiver(
      consumerPort,
      transport,
      CAPACITY,
      EXCHANGE_WINDOW,
      {
        records: (records) => {
          received += records.length;
          receiver.grant(records.length);
          if (received === batches * BATCH) {
            sender.close();
            receiver.close();
            resolve({ transport, seconds: (performance.now() - started) / 1000, frames, cpuUsPerRecord: (cpuUs() - cpu) / received });
          }
        },
        event: () => undefined,
        failed: (e) => reject(new Error(`${transport}: receiver failed: ${JSON.stringify(e)}`)),
      },
      { records: EXCHANGE_READ_AHEAD * CAPACITY, handlerCapacity: CAPACITY },
    );
    pump();
  });
}

async function main(): Promise<void> {
  const [bootstrap, only] = process.argv.slice(2);
  if (bootstrap === undefined) throw new Error('usage: node build/samples/bench-kafka-channel/main.js <bootstrap host:port>; start a broker with specs/services/kafka.sh start');
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (${os.cpus().length} cores) at start`);
  if (only !== 'channel') serializers();
  if (only === 'serializers') return;
  const brokers = [bootstrap];
  const admin: Admin = createKafkaClient({ brokers, clientId: 'bench-kafka-channel', operationTimeoutMs: 30_000 }).admin();
  await admin.connect();
  const { topic } = await ensureExchangeTopic(admin, { applicationId: `bench-kafka-channel-${process.pid}-${Date.now().toString(36)}`, partitions: 2, brokers, operationTimeoutMs: 30_000 });
  const a = await KafkaExchange.open({ brokers, clientId: 'bench-a', operationTimeoutMs: 30_000 });
  const b = await KafkaExchange.open({ brokers, clientId: 'bench-b', operationTimeoutMs: 30_000 });
  const results: ChannelResult[] = [];
  try {
    // Run 0 warms both paths up (JIT, connections) and is not shown.
    for (let run = 0; run <= RUNS; run++) {
      const { port1, port2 } = new MessageChannel();
      const port = await carry('port', port1, port2);
      const ends = await readEndOffsets(admin, topic, brokers, 30_000);
      const address = (send: number, receive: number) => ({ topic, sendPartition: send, receivePartition: receive, receiveFrom: ends.get(receive)!, attempt: run + 1, epoch: 0 });
      const kafka = await carry('kafka', a.port(address(0, 1), 'bench'), b.port(address(1, 0), 'bench'));
      if (run > 0) results.push(port, kafka);
    }
  } finally {
    await a.close();
    await b.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
  console.log(`\n${RECORDS.toLocaleString('en-US')} trades a run in batches of ${BATCH}, window ${EXCHANGE_WINDOW} frames, read-ahead ${EXCHANGE_READ_AHEAD} capacities of ${CAPACITY}; both ends in one thread; CPU: this process (not the broker)`);
  console.log('| run | transport | frames/s | records/s | process CPU µs/record |\n| --- | --- | --- | --- | --- |');
  results.forEach((r, i) => console.log(`| ${Math.floor(i / 2) + 1} | ${r.transport} | ${Math.round(r.frames / r.seconds).toLocaleString('en-US')} | ${Math.round((r.frames * BATCH) / r.seconds).toLocaleString('en-US')} | ${r.cpuUsPerRecord.toFixed(3)} |`));
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at end`);
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
