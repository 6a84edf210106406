import { expect } from 'chai';
import * as path from 'path';
import { MessageChannel, MessagePort, Worker } from 'worker_threads';
import { BatchReceiver } from '../../src/cluster/BatchReceiver';
import { ExchangeError } from '../../src/cluster/ExchangeError';
import { waitFor } from '../support/unhandledRejections';
import type { EndSetup, Step } from './fixtures/exchangeEnd';
import { joined, timeline } from './fixtures/exchangeTimeline';

const FIXTURE = path.join(__dirname, 'fixtures', 'exchangeEnd.js');

describe('cluster/BatchReceiver', () => {
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  afterEach(async () => {
    for (const p of ports.splice(0)) p.close();
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });

  /** Starts the other end in a worker thread; returns this end's port. */
  function otherEnd(data: EndSetup): { port: MessagePort; worker: Worker } {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(FIXTURE, { workerData: { ...data, port: port2 }, transferList: [port2] });
    workers.push(worker);
    ports.push(port1);
    return { port: port1, worker };
  }

  /** Receives on `port`, granting back each batch's credits at once unless `regrant` is false. */
  function receive(port: MessagePort, credits: number, regrant = true): { delivered: Step[]; failures: ExchangeError[] } {
    const delivered: Step[] = [];
    const failures: ExchangeError[] = [];
    const receiver: BatchReceiver = new BatchReceiver(port, 'spec', credits, 4, {
      records: (records, timestamps) => {
        delivered.push({ records, timestamps });
        if (regrant) receiver.grant(records.length);
      },
      event: (event) => delivered.push({ event }),
      failed: (e) => failures.push(e),
    });
    return { delivered, failures };
  }

  it('delivers records, watermarks, idleness, barriers and end of input from another thread in the order they were sent', async () => {
    const steps = timeline();
    // 64 credits and a window of 4 frames: the producer waits for credit or window again and again.
    const { port } = otherEnd({ mode: 'produce', steps, maxFramesInFlight: 4 });
    const { delivered, failures } = receive(port, 64);
    await waitFor(() => delivered.length === steps.length || failures.length > 0, 'the whole timeline');
    expect(failures).to.deep.equal([]);
    expect(delivered).to.deep.equal(steps);
  });

  it('surfaces a producer thread terminated mid-stream as PeerGone within a second', async () => {
    const { port, worker } = otherEnd({ mode: 'produce', steps: timeline(), maxFramesInFlight: 4 });
    const { delivered, failures } = receive(port, 64, false);
    await waitFor(() => delivered.length >= 2, 'the first batches');
    const terminated = Date.now();
    await worker.terminate();
    await waitFor(() => failures.length > 0, 'the failure', 1_000);
    expect(Date.now() - terminated).to.be.below(1_000);
    expect(failures).to.deep.equal([{ _tag: 'PeerGone', channel: 'spec' }]);
  });

  it('surfaces a producer thread that throws as PeerGone within a second', async () => {
    const { port, worker } = otherEnd({ mode: 'produce', steps: timeline(), maxFramesInFlight: 4, throwAt: 5 });
    const thrown = new Promise<Error>((resolve) => worker.once('error', resolve));
    const { delivered, failures } = receive(port, 64);
    const error = await thrown;
    const at = Date.now();
    await waitFor(() => failures.length > 0, 'the failure', 1_000);
    expect(Date.now() - at).to.be.below(1_000);
    expect(error.message).to.equal('producer threw before step 5');
    expect(failures).to.deep.equal([{ _tag: 'PeerGone', channel: 'spec' }]);
    expect(delivered).to.deep.equal(timeline().slice(0, 5));
  });

  it('takes the producer thread ending after end of input as the channel ending, not a failure', async () => {
    const steps = timeline();
    const { port, worker } = otherEnd({ mode: 'produce', steps, maxFramesInFlight: 4 });
    const closed = new Promise<void>((resolve) => port.once('close', resolve));
    const { delivered, failures } = receive(port, 64);
    await waitFor(() => delivered.length === steps.length, 'the whole timeline');
    await worker.terminate();
    await closed;
    expect(failures).to.deep.equal([]);
  });

  it('refuses a message that is not a frame as BadFrame, saying what is wrong with it', async () => {
    const { port } = otherEnd({ mode: 'raw', messages: [{ type: 'records', records: [1, 2], timestamps: [0, 'soon'] }] });
    const { delivered, failures } = receive(port, 64);
    await waitFor(() => failures.length > 0, 'the refusal');
    expect(delivered).to.deep.equal([]);
    expect(failures).to.have.length(1);
    expect(failures[0]).to.include({ _tag: 'BadFrame', channel: 'spec' });
    expect((failures[0] as { reason: string }).reason).to.contain('timestamp 1 is not a number');
  });

  it('refuses a batch beyond the credit it granted as BoundExceeded, and does not deliver it', async () => {
    const batch = { type: 'records', records: [1, 2, 3], timestamps: [0, 0, 0] };
    const { port } = otherEnd({ mode: 'raw', messages: [batch, batch] });
    const { delivered, failures } = receive(port, 5, false);
    await waitFor(() => failures.length > 0, 'the refusal');
    expect(delivered).to.deep.equal([{ records: [1, 2, 3], timestamps: [0, 0, 0] }]);
    expect(failures).to.deep.equal([{ _tag: 'BoundExceeded', channel: 'spec', reason: '3 records but 2 granted' }]);
  });

  describe('read-ahead', () => {
    const batch = (...records: number[]) => ({ type: 'records', records, timestamps: records.map(() => 0) });
    const delivered = (...records: number[]) => ({ records, timestamps: records.map(() => 0) });

    /** A receiver granting nothing itself, with `records` of read-ahead for a handler whose capacity is `handlerCapacity`. */
    function reading(port: MessagePort, records: number, handlerCapacity: number): { receiver: BatchReceiver; got: Step[]; failures: ExchangeError[] } {
      const got: Step[] = [];
      const failures: ExchangeError[] = [];
      const receiver = new BatchReceiver(port, 'spec', 0, 8, { records: (r, t) => got.push({ records: r, timestamps: t }), event: (event) => got.push({ event }), failed: (e) => failures.push(e) }, { records, handlerCapacity });
      return { receiver, got, failures };
    }

    it('holds what arrives beyond the handler\'s credit and hands it on whole, in order with the events behind it, as the handler grants', async () => {
      const { port } = otherEnd({ mode: 'raw', messages: [batch(1, 2, 3), batch(4, 5, 6), batch(7, 8, 9), { type: 'watermark', watermark: 5 }, batch(10)] });
      const { receiver, got, failures } = reading(port, 10, 6);
      await waitFor(() => receiver.waiting === 10, 'every batch');
      expect(got).to.deep.equal([]);
      receiver.grant(3);
      expect(got).to.deep.equal([delivered(1, 2, 3)]);
      // 5 credits: the second batch, not the third (3 records > 2 left): a batch that fits the capacity is never split.
      receiver.grant(5);
      expect(got).to.deep.equal([delivered(1, 2, 3), delivered(4, 5, 6)]);
      receiver.grant(1);
      expect(got).to.deep.equal([delivered(1, 2, 3), delivered(4, 5, 6), delivered(7, 8, 9), { event: { type: 'watermark', watermark: 5 } }]);
      receiver.grant(1);
      expect(got.slice(4)).to.deep.equal([delivered(10)]);
      expect(failures).to.deep.equal([]);
    });

    it('hands on a batch larger than the handler\'s capacity in parts, as far as its credit goes', async () => {
      const { port } = otherEnd({ mode: 'raw', messages: [batch(1, 2, 3, 4, 5, 6, 7, 8), { type: 'endOfInput' }] });
      const { receiver, got, failures } = reading(port, 8, 5);
      await waitFor(() => receiver.waiting === 8, 'the batch');
      receiver.grant(5);
      expect(got).to.deep.equal([delivered(1, 2, 3, 4, 5)]);
      receiver.grant(5);
      await waitFor(() => got.length === 3, 'end of input');
      expect(got).to.deep.equal([delivered(1, 2, 3, 4, 5), delivered(6, 7, 8), { event: { type: 'endOfInput' } }]);
      expect(failures).to.deep.equal([]);
    });

    it('hands a barrier on at once, with the records held ahead of it beyond the handler\'s credit; the credit is short by as much until granted back', async () => {
      const { port } = otherEnd({ mode: 'raw', messages: [batch(1, 2, 3), batch(4, 5, 6), { type: 'barrier', id: 7 }, batch(7, 8), { type: 'watermark', watermark: 9 }] });
      const { receiver, got, failures } = reading(port, 8, 6);
      receiver.grant(2);
      await waitFor(() => got.length === 3 && receiver.waiting === 2, 'the barrier and the batch behind it');
      // The records behind the barrier wait for credit again: 6 handed on against 2 granted.
      expect(got).to.deep.equal([delivered(1, 2, 3), delivered(4, 5, 6), { event: { type: 'barrier', id: 7 } }]);
      expect(receiver.waiting).to.equal(2);
      receiver.grant(5);
      expect(got.length).to.equal(3);
      receiver.grant(1);
      await waitFor(() => got.length === 5, 'the watermark');
      expect(got.slice(3)).to.deep.equal([delivered(7, 8), { event: { type: 'watermark', watermark: 9 } }]);
      expect(failures).to.deep.equal([]);
    });

    it('refuses records beyond the read-ahead and the handler\'s grants as BoundExceeded', async () => {
      const { port } = otherEnd({ mode: 'raw', messages: [batch(1, 2, 3), batch(4, 5, 6), batch(7)] });
      const { receiver, got, failures } = reading(port, 4, 10);
      receiver.grant(2);
      await waitFor(() => failures.length > 0, 'the refusal');
      expect(failures).to.deep.equal([{ _tag: 'BoundExceeded', channel: 'spec', reason: '1 records but 0 granted' }]);
      expect(got).to.deep.equal([]);
    });

    it('delivers a whole timeline from another thread in order with read-ahead, the handler granting what it took', async () => {
      const steps = timeline();
      const { port } = otherEnd({ mode: 'produce', steps, maxFramesInFlight: 4 });
      const got: Step[] = [];
      const failures: ExchangeError[] = [];
      const receiver: BatchReceiver = new BatchReceiver(
        port,
        'spec',
        16,
        4,
        {
          records: (records, timestamps) => {
            got.push({ records, timestamps });
            setImmediate(() => receiver.grant(records.length));
          },
          event: (event) => got.push({ event }),
          failed: (e) => failures.push(e),
        },
        { records: 40, handlerCapacity: 16 },
      );
      await waitFor(() => failures.length > 0 || (got.length > 0 && 'event' in got[got.length - 1] && (got[got.length - 1] as { event: { type: string } }).event.type === 'endOfInput'), 'the whole timeline');
      expect(failures).to.deep.equal([]);
      // Batches over 16 records come in parts; joined again, records, timestamps and events are the timeline's.
      expect(joined(got)).to.deep.equal(joined(steps));
    });
  });
});
