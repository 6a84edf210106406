import { expect } from 'chai';
import * as path from 'path';
import { MessageChannel, MessagePort, Worker } from 'worker_threads';
import { BatchSender } from '../../src/cluster/BatchSender';
import { ExchangeError } from '../../src/cluster/ExchangeError';
import { waitFor } from '../support/unhandledRejections';
import type { Delivered, EndSetup } from './fixtures/exchangeEnd';

const FIXTURE = path.join(__dirname, 'fixtures', 'exchangeEnd.js');

describe('cluster/BatchSender', () => {
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  afterEach(async () => {
    for (const p of ports.splice(0)) p.close();
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });

  /** A consumer in a worker thread and a sender to it in this one, recording what happens on both sides. */
  function toConsumer(setup: EndSetup & { mode: 'consume' }) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(FIXTURE, { workerData: { ...setup, port: port2 }, transferList: [port2] });
    workers.push(worker);
    ports.push(port1);
    const delivered: Delivered[] = [];
    worker.on('message', (m: Delivered) => delivered.push(m));
    const failures: ExchangeError[] = [];
    let writable = 0;
    const sender = new BatchSender(port1, 'spec', setup.maxFramesInFlight, { writable: () => writable++, failed: (e) => failures.push(e) });
    return { sender, worker, delivered, failures, writableCalls: () => writable };
  }

  const records = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: from + i }));
  const times = (n: number) => Array.from({ length: n }, () => 0);

  it('sends no more records than the consumer granted, and more once it grants again', async () => {
    const { sender, worker, delivered, writableCalls } = toConsumer({ mode: 'consume', initialCredits: 100, maxFramesInFlight: 8 });
    expect(sender.canSendRecords(1)).to.equal(false); // nothing granted yet
    await waitFor(() => sender.availableCredits === 100, 'the initial grant');
    for (let i = 0; i < 3; i++) sender.sendRecords(records(30 * i, 30), times(30));
    expect(sender.canSendRecords(11)).to.equal(false);
    sender.sendRecords(records(90, 10), times(10));
    expect(sender.availableCredits).to.equal(0);
    expect(sender.canSendRecords(1)).to.equal(false);
    await waitFor(() => delivered.length === 4, 'the four batches');
    // The consumer took them and acknowledged the frames (a second call of writable, after the
    // initial grant's) but granted nothing more: the producer still may not send.
    await waitFor(() => writableCalls() >= 2, 'the window slots coming back');
    expect(sender.availableCredits).to.equal(0);
    worker.postMessage({ grant: 50 });
    await waitFor(() => sender.availableCredits === 50, 'the new grant');
    expect(delivered.flatMap((d) => ('records' in d ? d.records : []))).to.deep.equal(records(0, 100));
  });

  it('takes a window slot for every frame, events included, and gets them back as the consumer takes frames off', async () => {
    const { sender, delivered } = toConsumer({ mode: 'consume', initialCredits: 10, maxFramesInFlight: 4 });
    for (let i = 0; i < 4; i++) sender.sendEvent({ type: 'watermark', watermark: i });
    expect(sender.canSendEvent()).to.equal(false);
    expect(() => sender.sendEvent({ type: 'idle' })).to.throw('exchange spec: no room for a idle now (4/4 frames in flight, channel open): check canSendEvent and wait for writable');
    await waitFor(() => sender.canSendEvent(), 'a window slot');
    sender.sendEvent({ type: 'idle' });
    await waitFor(() => delivered.length === 5, 'every event');
    const expected: Delivered[] = [0, 1, 2, 3].map((w) => ({ event: { type: 'watermark', watermark: w } }));
    expect(delivered).to.deep.equal([...expected, { event: { type: 'idle' } }]);
  });

  it('refuses to send beyond its credit, saying what to do instead', async () => {
    const { sender } = toConsumer({ mode: 'consume', initialCredits: 2, maxFramesInFlight: 4 });
    await waitFor(() => sender.availableCredits === 2, 'the initial grant');
    expect(() => sender.sendRecords(records(0, 3), times(3))).to.throw(
      'exchange spec: 3 records do not fit now (2 credits, 0/4 frames in flight, channel open): check canSendRecords and wait for writable',
    );
  });

  it('refuses a record that cannot cross threads, naming it', async () => {
    const { sender, delivered } = toConsumer({ mode: 'consume', initialCredits: 10, maxFramesInFlight: 4 });
    await waitFor(() => sender.availableCredits === 10, 'the initial grant');
    expect(() => sender.sendRecords([{ id: 1 }, { id: 2, callback: () => 3 }], [0, 0])).to.throw(/record 1 of the batch cannot cross threads: records must be plain data/);
    expect(sender.availableCredits).to.equal(10);
    sender.sendRecords([{ id: 1 }], [0]);
    await waitFor(() => delivered.length === 1, 'the next batch');
    expect(delivered).to.deep.equal([{ records: [{ id: 1 }], timestamps: [0] }]);
  });

  it('surfaces a consumer thread terminated mid-stream as PeerGone within a second, and then refuses to send', async () => {
    const { sender, worker, failures } = toConsumer({ mode: 'consume', initialCredits: 10, maxFramesInFlight: 4 });
    await waitFor(() => sender.availableCredits === 10, 'the initial grant');
    sender.sendRecords(records(0, 5), times(5));
    const terminated = Date.now();
    await worker.terminate();
    await waitFor(() => failures.length > 0, 'the failure', 1_000);
    expect(Date.now() - terminated).to.be.below(1_000);
    expect(failures).to.deep.equal([{ _tag: 'PeerGone', channel: 'spec' }]);
    expect(sender.canSendRecords(1)).to.equal(false);
    expect(sender.canSendEvent()).to.equal(false);
  });

  it('ends with end of input: closing then is not a failure', async () => {
    const { sender, delivered, failures } = toConsumer({ mode: 'consume', initialCredits: 10, maxFramesInFlight: 4 });
    sender.sendEvent({ type: 'endOfInput' });
    expect(sender.canSendEvent()).to.equal(false);
    await waitFor(() => delivered.length === 1, 'end of input');
    sender.close();
    expect(failures).to.deep.equal([]);
    expect(delivered).to.deep.equal([{ event: { type: 'endOfInput' } }]);
  });
});
