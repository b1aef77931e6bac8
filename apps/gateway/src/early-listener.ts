import type { Server } from 'node:http';
import { AddressInfo, createServer, Server as NetServer, Socket } from 'node:net';

/** More than a WebSocket upgrade's request before it is answered (Node's header limit is 16 KiB). */
const MAX_HELD_BYTES = 16 * 1024;

/** A connection made while the gateway starts, and what its client sent meanwhile. */
interface Held {
  socket: Socket;
  chunks: Buffer[];
  bytes: number;
}

const ignore = () => undefined;

/**
 * The gateway's port, bound before its modules load (about 2 s of CPU): a client that reconnects
 * while the gateway starts waits, its connection held, instead of being refused, which would double
 * its SDK's backoff on every attempt. A held connection is read (so one its client gives up on is
 * dropped at once, not answered later) but not parsed; `serve` hands the listening socket and every
 * held connection, with what it sent, to the application's HTTP server once it can answer them.
 */
export class EarlyListener {
  private readonly held = new Set<Held>();

  private constructor(
    private readonly server: NetServer,
    private readonly backlog: number,
  ) {
    server.on('connection', (socket) => this.hold(socket));
  }

  static listen(port: number, backlog: number): Promise<EarlyListener> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, backlog }, () => {
        server.off('error', reject);
        resolve(new EarlyListener(server, backlog));
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * `http` listens on this socket from now on (Node takes over a listening handle, so no connection
   * waiting in the kernel's queue is lost), then reads the held connections in the order they came.
   */
  async serve(http: Server): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.server, this.backlog, () => {
        http.off('error', reject);
        resolve();
      });
    });
    this.server.removeAllListeners('connection');
    for (const { socket, chunks } of this.held) {
      socket.removeAllListeners('data');
      socket.removeAllListeners('close');
      socket.off('error', ignore);
      socket.pause();
      for (const chunk of chunks.reverse()) socket.unshift(chunk);
      http.emit('connection', socket);
      socket.resume();
    }
    this.held.clear();
  }

  private hold(socket: Socket): void {
    const held: Held = { socket, chunks: [], bytes: 0 };
    this.held.add(held);
    socket.on('data', (chunk: Buffer) => {
      held.chunks.push(chunk);
      held.bytes += chunk.length;
      if (held.bytes > MAX_HELD_BYTES) socket.destroy();
    });
    socket.on('error', ignore);
    socket.on('close', () => this.held.delete(held));
  }
}
