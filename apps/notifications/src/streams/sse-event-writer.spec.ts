import { once } from 'node:events';
import { createServer, get, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { chunkedSocket, sseChunk } from './sse-event-writer';

describe('chunkedSocket and sseChunk', () => {
  let server: Server;
  let port: number;
  const events = ['data: é👋 one\n\n', 'data: two\n\n', 'data: ∑ three\n\n', 'data: 𝓯our\n\n'];

  /** Answers every request with a stream: a first write, then each event, then the end. */
  function streamEvents(response: ServerResponse): void {
    response.writeHead(200, { 'Content-Type': 'text/event-stream' });
    response.write('retry: 1000\n\n');
    const socket = chunkedSocket(response);
    const write = (...texts: string[]) =>
      socket ? socket.write(texts.map(sseChunk).join('')) : response.write(texts.join(''));
    write(events[0]);
    response.write(events[1]);
    // Two events' chunks concatenated: one write.
    write(events[2], events[3]);
    response.end();
  }

  beforeAll(async () => {
    server = createServer((_request, response) => streamEvents(response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  it('writes chunks an HTTP/1.1 client decodes to the events, in order with response.write, multi-byte text included', async () => {
    const response = await new Promise<IncomingMessage>((resolve) =>
      get({ host: '127.0.0.1', port, path: '/' }, resolve),
    );
    expect(response.headers['transfer-encoding']).toBe('chunked');
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(response, 'end');
    expect(Buffer.concat(chunks).toString('utf8')).toBe(`retry: 1000\n\n${events.join('')}`);
  });

  it('writes the bare event to an HTTP/1.0 client (no chunked framing)', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.end('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    await once(socket, 'close');
    const text = Buffer.concat(received).toString('utf8');
    expect(text).not.toMatch(/transfer-encoding/i);
    expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe(`retry: 1000\n\n${events.join('')}`);
  });
});
