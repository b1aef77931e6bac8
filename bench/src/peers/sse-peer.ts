import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { peerOptions, READY_LINE } from './peer-options';

/**
 * The bare SSE peer: the practical ceiling for broadcasting server-sent events with `node:http`.
 * `GET /stream` opens a stream with the headers and `retry:` line Switchboard sends; `POST /publish`
 * with `{"title"}` frames one event, shaped like a Switchboard notification, and writes that one
 * buffer to every open stream. Nothing is stored and there is no per-user routing or auth.
 */
const { port } = peerOptions();
const streams = new Set<ServerResponse>();
let nextId = 0;

function openStream(response: ServerResponse): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  response.write('retry: 3000\n\n');
  streams.add(response);
  response.on('close', () => streams.delete(response));
}

function publish(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const { title } = JSON.parse(Buffer.concat(chunks).toString()) as { title: string };
    const id = String(++nextId);
    const notification = {
      id,
      userId: '*',
      type: 'bench',
      title,
      body: '',
      data: null,
      ts: Date.now(),
    };
    const frame = Buffer.from(
      `id: ${id}\nevent: notification\ndata: ${JSON.stringify(notification)}\n\n`,
    );
    for (const stream of streams) stream.write(frame);
    response.writeHead(202).end();
  });
}

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stream') openStream(response);
  else if (request.method === 'POST' && request.url === '/publish') publish(request, response);
  else response.writeHead(404).end();
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`${READY_LINE}\n`));
process.on('SIGTERM', () => process.exit(0));
