import { expect } from 'chai';
import * as net from 'net';
import { StreamEnvironment } from '../../src';
import { socketTextStream } from '../../src/api/socketTextStream';
import { RecordingSink } from '../support/RecordingSink';

/** A server on a free loopback port that runs `serve` for its one connection. */
async function server(serve: (socket: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = net.createServer(serve);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}

describe('connectors/SocketTextSource', () => {
  it('emits each received line without its line end, across chunks, and ends when the peer closes', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'é'.repeat(i % 5)}`);
    const text = lines.join('\r\n') + '\nlast without end';
    const { port, close } = await server((socket) => {
      // Split at odd places, also inside a multi-byte character and a \r\n.
      const bytes = Buffer.from(text, 'utf8');
      for (let at = 0; at < bytes.length; at += 997) socket.write(bytes.subarray(at, at + 997));
      socket.end();
    });
    const out = await StreamEnvironment.create().socketTextStream('127.0.0.1', port).executeAndCollect();
    expect(out).to.deep.equal([...lines, 'last without end']);
    await close();
  });

  it('pauses the socket when its buffer is full, so a slow job holds the sender back', async () => {
    const total = 100_000;
    const line = 'x'.repeat(1023) + '\n';
    let written = 0;
    let stop = false;
    const { port, close } = await server((socket) => {
      const pump = () => {
        while (!stop && written < total) {
          written++;
          if (!socket.write(line)) return void socket.once('drain', pump);
        }
        socket.end();
      };
      socket.on('error', () => undefined);
      pump();
    });
    const env = StreamEnvironment.create({ batchSize: 16, channelCapacity: 32 });
    const sink = new RecordingSink<string>(1);
    socketTextStream(env, '127.0.0.1', port, { bufferLines: 100 }).sinkTo(sink);
    const job = env.execute('slow socket reader');
    await new Promise<void>((resolve) => {
      sink.onWritten = (n) => {
        if (n >= 2000) resolve();
      };
    });
    const held = written;
    stop = true;
    await job.cancel();
    await close();
    // What left the server is what the job took, its buffer of 100 lines, and the kernel's
    // socket buffers on loopback (a few MiB): far from the 100,000 lines (100 MiB) on offer.
    expect(held).to.be.below(20_000);
  });

  it('fails the job with the address when nothing listens there', async () => {
    const { port, close } = await server(() => undefined);
    await close();
    const env = StreamEnvironment.create();
    socketTextStream(env, '127.0.0.1', port).print();
    let error: unknown;
    try {
      await env.execute('no listener');
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.include(`127.0.0.1:${port}`);
  });
});
