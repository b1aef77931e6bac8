import { once } from 'node:events';
import { AddressInfo, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of a gateway, for the SDK's specs, that plays two network faults:
 * `stall` (every open connection stops carrying bytes, both ways, without closing: a half-open
 * connection), `cut` (every open connection reset) and `blockUpgrades` (new connections are answered 403 before any upgrade, as a proxy
 * that forbids WebSockets; what is already open stays).
 */
export class GatewayProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  /** Every connection accepted, refused ones included, destroyed at `close`. */
  private readonly sockets = new Set<Socket>();
  private blocked = false;
  private server!: Server;
  /** Connections answered 403 while upgrades were blocked. */
  refused = 0;

  private constructor(private readonly target: URL) {}

  /** Listens on an ephemeral port of 127.0.0.1 and forwards to `gatewayUrl`'s host and port. */
  static async start(gatewayUrl: string): Promise<GatewayProxy> {
    const proxy = new GatewayProxy(new URL(gatewayUrl));
    proxy.server = createServer((client) => proxy.accept(client));
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    return proxy;
  }

  /** `gatewayUrl` with this proxy's port in place of the gateway's. */
  get url(): string {
    const url = new URL(this.target);
    url.port = String((this.server.address() as AddressInfo).port);
    return url.toString();
  }

  /** Connections being forwarded now. */
  get open(): number {
    return this.pairs.size;
  }

  stall(): void {
    for (const pair of this.pairs) {
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.client.pause();
      pair.upstream.pause();
    }
  }

  blockUpgrades(blocked: boolean): void {
    this.blocked = blocked;
  }

  /** Every open connection is reset, as by a network change. */
  cut(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  async close(): Promise<void> {
    this.cut();
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (this.blocked) {
      this.refused++;
      client.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = new Socket();
    upstream.on('error', () => undefined);
    upstream.connect(Number(this.target.port), this.target.hostname);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
