import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { requestLogMiddleware, requestLogOptions } from './observability.module';

type Middleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

/** Log lines written to a stream, parsed. */
function lineSink(): { destination: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { destination, lines };
}

/** Requests each path through `middleware` to a server answering the status its path names (`/503`, `/health/503`). */
async function requestAll(middleware: Middleware, paths: string[]): Promise<void> {
  const server = createServer((request, response) =>
    middleware(request, response, () => {
      response.statusCode = Number(request.url?.split('?')[0].split('/').at(-1));
      response.end();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    for (const path of paths) await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A line without what differs between two requests: when it was written and how long it took. */
function comparable(line: Record<string, unknown>): Record<string, unknown> {
  const { time: _time, responseTime, ...rest } = line;
  return { ...rest, responseTime: typeof responseTime };
}

const PATHS = ['/200', '/404', '/500', '/health/503', '/rooms/r/503?access_token=secret'];

describe('requestLogMiddleware', () => {
  const options = { service: 'probe', logLevel: 'warn' };

  it('at warn writes exactly the lines pino-http writes with the same options', async () => {
    const expected = lineSink();
    const actual = lineSink();
    await requestAll(pinoHttp(requestLogOptions(options), expected.destination), PATHS);
    await requestAll(requestLogMiddleware(options, actual.destination), PATHS);
    await waitFor(() => expected.lines.length === 2 && actual.lines.length === 2);
    expect(actual.lines.map(comparable)).toEqual(expected.lines.map(comparable));
    expect(actual.lines.map((line) => line['msg'])).toEqual([
      'request failed with status 500',
      'request failed with status 503',
    ]);
    expect(JSON.stringify(actual.lines)).not.toContain('secret');
  });

  it('at warn makes no per-request logger for a request that writes no line', async () => {
    const { destination } = lineSink();
    const middleware = requestLogMiddleware(options, destination);
    const child = jest.spyOn(middleware.logger, 'child');
    await requestAll(middleware, ['/200', '/404', '/health/503']);
    expect(child).not.toHaveBeenCalled();
  });

  it('at info is pino-http: every completed request has its line', async () => {
    const { destination, lines } = lineSink();
    await requestAll(requestLogMiddleware({ ...options, logLevel: 'info' }, destination), PATHS);
    await waitFor(() => lines.length === 4);
    expect(lines.map((line) => line['msg'])).toEqual([
      'request completed',
      'request completed',
      'request failed with status 500',
      'request failed with status 503',
    ]);
  });
});
