import { createServer, Server } from 'node:http';
import { AddressInfo, connect, Server as NetServer, Socket } from 'node:net';
import { EarlyListener } from './early-listener';

/** Every connection a test opens, closed after it. */
const clients: Socket[] = [];

function open(port: number): Socket {
  const socket = connect({ host: '127.0.0.1', port });
  clients.push(socket);
  return socket;
}

/** Sends one GET on a raw connection and resolves with the first line of the answer. */
function get(port: number): { socket: Socket; statusLine: Promise<string> } {
  const socket = open(port);
  socket.write('GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const statusLine = new Promise<string>((resolve, reject) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString();
      if (head.includes('\r\n')) resolve(head.slice(0, head.indexOf('\r\n')));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${JSON.stringify(head)}`)));
  });
  return { socket, statusLine };
}

/** Resolves once the listener holds `count` connections, each with at least `bytes` read from it. */
async function holding(early: EarlyListener, count: number, bytes = 0): Promise<void> {
  const held = () => [...(Reflect.get(early, 'held') as Set<{ bytes: number }>)];
  while (held().length !== count || held().some((connection) => connection.bytes < bytes)) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });

describe('EarlyListener', () => {
  let http: Server;
  let port: number;
  let early: EarlyListener;
  const answered: string[] = [];

  beforeEach(async () => {
    answered.length = 0;
    early = await EarlyListener.listen(0, 511);
    port = early.port;
    http = createServer((request, response) => {
      answered.push(request.url ?? '');
      response.end('ok');
    });
  });

  afterEach(async () => {
    for (const socket of clients.splice(0)) socket.destroy();
    // The listening socket is the application's once served, the early listener's until then.
    const listening = http.listening ? http : (Reflect.get(early, 'server') as NetServer);
    await new Promise((resolve) => listening.close(resolve));
  });

  it('holds a connection made before the application can answer, and answers it once served', async () => {
    const early1 = get(port);
    await connected(early1.socket);
    await holding(early, 1, 1);
    // Connected, not refused, and nothing answered yet.
    expect(answered).toEqual([]);
    await early.serve(http);
    await expect(early1.statusLine).resolves.toBe('HTTP/1.1 200 OK');
    expect(answered).toEqual(['/ready']);
  });

  it('hands the listening socket over: later connections reach the application directly', async () => {
    await early.serve(http);
    expect((http.address() as AddressInfo).port).toBe(port);
    await expect(get(port).statusLine).resolves.toBe('HTTP/1.1 200 OK');
    await expect(get(port).statusLine).resolves.toBe('HTTP/1.1 200 OK');
    expect(answered).toEqual(['/ready', '/ready']);
  });

  it('drops a held connection its client gave up on, and serves the others', async () => {
    const gaveUp = get(port);
    gaveUp.statusLine.catch(() => undefined);
    await connected(gaveUp.socket);
    await holding(early, 1);
    gaveUp.socket.destroy();
    // Dropped as soon as its client closed, not answered once served.
    await holding(early, 0);
    const waiting = get(port);
    await connected(waiting.socket);
    await holding(early, 1);
    await early.serve(http);
    await expect(waiting.statusLine).resolves.toBe('HTTP/1.1 200 OK');
  });

  it('passes a held WebSocket upgrade on, with what its client sent after it', async () => {
    const upgrades: string[] = [];
    http.on('upgrade', (request, socket: Socket, head: Buffer) => {
      upgrades.push(`${request.url} ${head.toString()}`);
      socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\n');
    });
    const socket = open(port);
    socket.write(
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nframe',
    );
    const answer = new Promise<string>((resolve) =>
      socket.once('data', (chunk) => resolve(chunk.toString())),
    );
    await holding(early, 1, 5);
    await early.serve(http);
    await expect(answer).resolves.toMatch(/^HTTP\/1.1 101/);
    expect(upgrades).toEqual(['/ws frame']);
  });

  it('drops a held connection that sends more than an upgrade request', async () => {
    const flood = open(port);
    const closed = new Promise((resolve) => flood.once('close', resolve));
    flood.on('error', () => undefined);
    flood.write(Buffer.alloc(64 * 1024, 'x'));
    await closed;
    await holding(early, 0);
  });
});
