import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { redactUrl, requestLogOptions } from './observability.module';

describe('redactUrl', () => {
  it.each([
    ['/ws?access_token=eyJ.a.b', '/ws?access_token=[redacted]'],
    ['/notifications?api_key=k1&x=1', '/notifications?api_key=[redacted]&x=1'],
    ['/notifications?apiKey=k1', '/notifications?apiKey=[redacted]'],
    ['/notifications?key=k1', '/notifications?key=[redacted]'],
    ['/notifications?x-api-key=k1', '/notifications?x-api-key=[redacted]'],
    ['/notifications?X_API_KEY=k1', '/notifications?X_API_KEY=[redacted]'],
    ['/notifications?api%5Fkey=k1', '/notifications?api%5Fkey=[redacted]'],
    [
      '/x?token=t&client_secret=s&password=p',
      '/x?token=[redacted]&client_secret=[redacted]&password=[redacted]',
    ],
    ['/x?a=1&authorization=Bearer%20t&a=2', '/x?a=1&authorization=[redacted]&a=2'],
    ['/x?signature=s&sessionId=s', '/x?signature=[redacted]&sessionId=[redacted]'],
  ])('hides the credential in %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it.each([
    '/rooms/lobby/messages?before=10&limit=50',
    '/notifications/stream?lastEventId=42',
    '/notifications?%zz=1&limit',
    '/health/live',
  ])('leaves %s as it is', (url) => {
    expect(redactUrl(url)).toBe(url);
  });

  it('passes a missing URL through', () => {
    expect(redactUrl(undefined)).toBeUndefined();
  });
});

describe('requestLogOptions', () => {
  /** A server behind pino-http with our options that answers each path's status; its log lines, parsed. */
  async function serve(): Promise<{
    base: string;
    lines: Record<string, unknown>[];
    close: () => Promise<void>;
  }> {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const log = pinoHttp(requestLogOptions({ service: 'probe', logLevel: 'info' }), destination);
    const server = createServer((request, response) =>
      log(request, response, () => {
        response.statusCode = Number(request.url?.slice(1));
        response.end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      base: `http://127.0.0.1:${port}`,
      lines,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  async function waitFor(condition: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('logs a 5xx as a warning with its status and no error or stack', async () => {
    const { base, lines, close } = await serve();
    try {
      await fetch(`${base}/500`);
      await fetch(`${base}/503`);
      await fetch(`${base}/200`);
      await fetch(`${base}/404`);
      await waitFor(() => lines.length === 4);
    } finally {
      await close();
    }
    const [failed, unavailable, ok, notFound] = lines;
    for (const [line, status] of [
      [failed, 500],
      [unavailable, 503],
    ] as const) {
      expect(line).toMatchObject({
        level: 40,
        res: { statusCode: status },
        msg: `request failed with status ${status}`,
      });
      expect(line).not.toHaveProperty('err');
      expect(JSON.stringify(line)).not.toMatch(/stack|failed with status code/);
    }
    expect(ok).toMatchObject({ level: 30, res: { statusCode: 200 }, msg: 'request completed' });
    expect(notFound).toMatchObject({ level: 30, res: { statusCode: 404 } });
  });
});
