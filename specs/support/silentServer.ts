/**
 * Services that never answer, for specs of bounded waits: a TCP server that accepts
 * connections and says nothing (a stopped or wedged Redis or Kafka), and a port where nothing
 * listens (connections refused).
 */
import * as net from 'net';

export class SilentServer {
  private constructor(private readonly server: net.Server, private readonly sockets: Set<net.Socket>, readonly port: number) {}

  static start(): Promise<SilentServer> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(new SilentServer(server, sockets, (server.address() as net.AddressInfo).port)));
    });
  }

  /** Connections accepted so far and still open. */
  connections(): number {
    return this.sockets.size;
  }

  /** Closes every accepted connection and the server. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback port nothing listens on (it was free a moment ago; the OS hands ports out in turn). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
