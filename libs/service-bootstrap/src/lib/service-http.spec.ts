import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import {
  Body,
  Controller,
  DynamicModule,
  Get,
  INestApplication,
  Module,
  Post,
  Res,
} from '@nestjs/common';
import { ConfigModule, SwitchboardConfig } from '@switchboard/config';
import { HttpConventionsModule, serveApiDocs } from '@switchboard/http';
import { MetricsPortServer, ObservabilityModule } from '@switchboard/observability';
import { PersistenceModule } from '@switchboard/persistence';
import { listen, testConfig } from '@switchboard/testing';
import type { Server, ServerResponse } from 'node:http';
import { connect, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createServiceApp } from './start-service';

@Controller('probe')
class ProbeController {
  @Get()
  answer(): { ok: true } {
    return { ok: true };
  }

  /** The body as the handler sees it: `{"body": …}`, with no `body` field when there is none. */
  @Post()
  echo(@Body() body: unknown): unknown {
    return { body };
  }

  /** An event stream that stays open and silent, as an SSE stream does between keep-alives. */
  @Get('stream')
  stream(@Res() response: ServerResponse | { raw: ServerResponse }): void {
    const raw = 'raw' in response ? response.raw : response;
    raw.writeHead(200, { 'Content-Type': 'text/event-stream' });
    raw.write(': open\n\n');
  }
}

/** A service with what every app has (config, observability, PostgreSQL, HTTP conventions) and a probe controller. */
@Module({})
class ProbeAppModule {
  static forRoot(config: SwitchboardConfig): DynamicModule {
    return {
      module: ProbeAppModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot({ service: config.service, logLevel: config.logLevel }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, migrations: 'verify' }),
        HttpConventionsModule,
      ],
      controllers: [ProbeController],
    };
  }
}

/** Every convention holds on both platforms a service may run on (history runs on Fastify). */
const PLATFORMS = ['express', 'fastify'] as const;
type Platform = (typeof PLATFORMS)[number];

async function startProbeApp(
  platform: Platform,
  overrides: Record<string, string> = {},
): Promise<{ app: INestApplication; base: string; port: number }> {
  const config = testConfig('history', overrides);
  const app = await createServiceApp(ProbeAppModule.forRoot(config), config, {
    shutdownHooks: false,
    platform,
  });
  await serveApiDocs(app, { title: 'probe', description: 'a probe service' });
  const base = (await listen(app)).http;
  return { app, base, port: Number(new URL(base).port) };
}

/** A raw TCP connection to the service, reading everything it is sent. */
async function openSocket(port: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve).once('error', reject);
  });
  return { socket, received: () => received };
}

/** Resolves when the server has closed the socket; fails if it is still open after `timeoutMs`. */
function closed(socket: Socket, timeoutMs = 4000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(
      () => reject(new Error(`the socket is still open after ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(PLATFORMS)('on %s', (platform) => {
  describe('connections that send no request (REQUEST_HEADERS_TIMEOUT_MS)', () => {
    let app: INestApplication;
    let port: number;
    let webSockets: WebSocketServer;
    const opened: Socket[] = [];

    beforeAll(async () => {
      ({ app, port } = await startProbeApp(platform, { REQUEST_HEADERS_TIMEOUT_MS: '300' }));
      // The gateway's WebSocket server hangs off the same HTTP server in the same way.
      webSockets = new WebSocketServer({ noServer: true });
      (app.getHttpServer() as Server).on('upgrade', (request, socket, head) => {
        webSockets.handleUpgrade(request, socket, head, (ws) => ws.send('welcome'));
      });
    });

    afterAll(async () => {
      for (const socket of opened) socket.destroy();
      for (const client of webSockets.clients) client.terminate();
      webSockets.close();
      await app.close();
    });

    async function open(): Promise<{ socket: Socket; received: () => string }> {
      const connection = await openSocket(port);
      opened.push(connection.socket);
      return connection;
    }

    it('closes a socket that sends nothing, with 408', async () => {
      const silent = await open();
      await closed(silent.socket);
      expect(silent.received()).toMatch(/^HTTP\/1\.1 408 /);
    });

    it('closes a socket whose request headers never end', async () => {
      const partial = await open();
      partial.socket.write('GET /probe HTTP/1.1\r\nHost: probe\r\n');
      await closed(partial.socket);
      expect(partial.received()).toMatch(/^HTTP\/1\.1 408 /);
    });

    it('answers a socket that sends its request in time', async () => {
      const prompt = await open();
      prompt.socket.write('GET /probe HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n');
      await closed(prompt.socket);
      expect(prompt.received()).toMatch(/^HTTP\/1\.1 200 /);
      expect(prompt.received()).toContain('{"ok":true}');
    });

    it('keeps upgraded WebSockets, open event streams and bodies in progress past the limit', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      await new Promise((resolve) => ws.once('message', resolve));
      const stream = await open();
      stream.socket.write('GET /probe/stream HTTP/1.1\r\nHost: probe\r\n\r\n');
      await waitFor(() => stream.received().includes(': open'));
      const upload = await open();
      const body = JSON.stringify({ text: 'x'.repeat(100) });
      upload.socket.write(
        `POST /probe HTTP/1.1\r\nHost: probe\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
      );

      // A silent socket opened after them is closed: the limit has been enforced since they opened.
      const silent = await open();
      await closed(silent.socket);

      expect(ws.readyState).toBe(WebSocket.OPEN);
      expect(stream.socket.destroyed).toBe(false);
      expect(upload.socket.destroyed).toBe(false);
      upload.socket.write(body.slice(10));
      await closed(upload.socket);
      expect(upload.received()).toMatch(/^HTTP\/1\.1 201 /);
      ws.close();
    });
  });

  describe('HTTP hardening', () => {
    describe('with the defaults', () => {
      let app: INestApplication;
      let base: string;

      beforeAll(async () => {
        ({ app, base } = await startProbeApp(platform));
      });

      afterAll(() => app.close());

      it.each(['/probe', '/no-such-route', '/health/live'])(
        'sends security headers and no X-Powered-By on %s',
        async (path) => {
          const { headers } = await fetch(`${base}${path}`);
          expect(headers.get('x-powered-by')).toBeNull();
          expect(headers.get('x-content-type-options')).toBe('nosniff');
          expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
          expect(headers.get('strict-transport-security')).toMatch(/max-age=/);
          expect(headers.get('content-security-policy')).toMatch(/default-src 'self'/);
        },
      );

      it('serves the interactive docs under its content security policy', async () => {
        const page = await fetch(`${base}/docs`);
        expect(page.status).toBe(200);
        const csp = page.headers.get('content-security-policy') ?? '';
        // Over plain http this directive would make the browser fetch the scripts below over https.
        expect(csp).not.toContain('upgrade-insecure-requests');
        expect(csp).toMatch(/script-src 'self'/);
        const html = await page.text();
        // script-src 'self' runs scripts from this origin only: the page may have no inline script.
        expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
        const assets = [
          ...html.matchAll(/<(?:script|link)[^>]+(?:src|href)=["']([^"']+)["']/g),
        ].map((match) => match[1]);
        expect(assets).toEqual(
          expect.arrayContaining([expect.stringMatching(/swagger-ui-init\.js$/)]),
        );
        for (const asset of assets) {
          const url = new URL(asset, page.url);
          expect(url.origin).toBe(base);
          const response = await fetch(url);
          await response.arrayBuffer();
          expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
        }
        const init = await (await fetch(`${base}/docs/swagger-ui-init.js`)).text();
        expect(init).toContain('"validatorUrl": null');
        const document = (await (await fetch(`${base}/docs-json`)).json()) as { openapi: string };
        expect(document.openapi).toMatch(/^3\./);
      });

      it('serves /metrics to anyone when no METRICS_TOKEN is set', async () => {
        const response = await fetch(`${base}/metrics`);
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('process_cpu_user_seconds_total');
      });
    });

    describe('API_DOCS=off', () => {
      let app: INestApplication;
      let base: string;

      beforeAll(async () => {
        ({ app, base } = await startProbeApp(platform, { API_DOCS: 'off' }));
      });

      afterAll(() => app.close());

      it('serves neither /docs nor /docs-json', async () => {
        expect((await fetch(`${base}/docs`)).status).toBe(404);
        expect((await fetch(`${base}/docs-json`)).status).toBe(404);
        expect((await fetch(`${base}/probe`)).status).toBe(200);
      });
    });

    describe('METRICS_TOKEN', () => {
      const token = 'a-metrics-token-of-16+';
      let app: INestApplication;
      let base: string;

      beforeAll(async () => {
        ({ app, base } = await startProbeApp(platform, { METRICS_TOKEN: token }));
      });

      afterAll(() => app.close());

      it('refuses a scrape without the token or with another one', async () => {
        const refused: Record<string, string>[] = [
          {},
          { Authorization: 'Bearer not-the-metrics-token' },
          { Authorization: token },
        ];
        for (const headers of refused) {
          const response = await fetch(`${base}/metrics`, { headers });
          expect(response.status).toBe(401);
          expect(await response.json()).toMatchObject({ statusCode: 401, code: 'unauthorized' });
        }
      });

      it('answers a scrape with Authorization: Bearer <METRICS_TOKEN>', async () => {
        const response = await fetch(`${base}/metrics`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('process_cpu_user_seconds_total');
      });
    });

    describe('METRICS_PORT', () => {
      const token = 'a-metrics-token-of-16+';
      let app: INestApplication;
      let base: string;
      let metricsBase: string;

      beforeAll(async () => {
        ({ app, base } = await startProbeApp(platform, {
          METRICS_PORT: '0',
          METRICS_TOKEN: token,
        }));
        metricsBase = `http://127.0.0.1:${app.get(MetricsPortServer).port}`;
      });

      afterAll(() => app.close());

      it('serves /metrics on the metrics port only, still behind the token', async () => {
        const authorized = { headers: { Authorization: `Bearer ${token}` } };
        expect((await fetch(`${base}/metrics`, authorized)).status).toBe(404);
        expect((await fetch(`${metricsBase}/metrics`)).status).toBe(401);
        const response = await fetch(`${metricsBase}/metrics`, authorized);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(await response.text()).toContain('process_cpu_user_seconds_total');
      });

      it('serves nothing else there', async () => {
        const authorized = { headers: { Authorization: `Bearer ${token}` } };
        expect((await fetch(`${metricsBase}/probe`, authorized)).status).toBe(404);
        expect((await fetch(`${metricsBase}/health/live`, authorized)).status).toBe(404);
      });
    });
  });

  describe('request bodies and routes', () => {
    let app: INestApplication;
    let base: string;

    beforeAll(async () => {
      ({ app, base } = await startProbeApp(platform));
    });

    afterAll(() => app.close());

    async function post(body: string | Buffer, contentType?: string, contentEncoding?: string) {
      const response = await fetch(`${base}/probe`, {
        method: 'POST',
        headers: {
          ...(contentType === undefined ? {} : { 'Content-Type': contentType }),
          ...(contentEncoding === undefined ? {} : { 'Content-Encoding': contentEncoding }),
        },
        body,
      });
      return { status: response.status, body: await response.json() };
    }

    it('hands the handler a JSON object or array, and {} for an empty JSON body', async () => {
      expect(await post('{"a":[1,"é"]}', 'application/json')).toEqual({
        status: 201,
        body: { body: { a: [1, 'é'] } },
      });
      expect(await post(' [1] ', 'application/json; charset=UTF-8')).toEqual({
        status: 201,
        body: { body: [1] },
      });
      expect(await post('', 'application/json')).toEqual({ status: 201, body: { body: {} } });
    });

    it.each(['"text"', '1', 'null', '{"a":', '{"a":1}x'])(
      'answers 400 invalid_json to %s',
      async (body) => {
        expect(await post(body, 'application/json')).toEqual({
          status: 400,
          body: {
            statusCode: 400,
            code: 'invalid_json',
            message: 'the request body is not valid JSON',
          },
        });
      },
    );

    it('does not read a body that is not JSON: the handler sees none', async () => {
      expect(await post('{"a":1}', 'text/plain')).toEqual({ status: 201, body: {} });
      expect(await post('a=1', 'application/x-www-form-urlencoded')).toEqual({
        status: 201,
        body: {},
      });
    });

    it('answers 415 to a charset other than UTF-8, and 413 too_large past 100 kB', async () => {
      expect(await post('{"a":1}', 'application/json; charset=latin1')).toEqual({
        status: 415,
        body: {
          statusCode: 415,
          code: 'unsupported_media_type',
          message: 'unsupported charset "LATIN1"',
        },
      });
      expect(await post(`{"a":"${'x'.repeat(102_400)}"}`, 'application/json')).toEqual({
        status: 413,
        body: { statusCode: 413, code: 'too_large', message: 'request entity too large' },
      });
    });

    it('inflates a gzip, deflate or br JSON body, 413 past 100 kB inflated, 400 to one that does not inflate', async () => {
      const json = '{"a":[1,"é"]}';
      const parsed = { status: 201, body: { body: { a: [1, 'é'] } } };
      expect(await post(gzipSync(json), 'application/json', 'gzip')).toEqual(parsed);
      expect(await post(deflateSync(json), 'application/json', 'Deflate')).toEqual(parsed);
      expect(await post(brotliCompressSync(json), 'application/json', 'br')).toEqual(parsed);
      expect(await post(json, 'application/json', 'identity')).toEqual(parsed);
      const bomb = gzipSync(`{"a":"${'x'.repeat(200_000)}"}`);
      expect(bomb.length).toBeLessThan(1_000);
      expect(await post(bomb, 'application/json', 'gzip')).toEqual({
        status: 413,
        body: { statusCode: 413, code: 'too_large', message: 'request entity too large' },
      });
      expect(await post('{"a":1}', 'application/json', 'gzip')).toEqual({
        status: 400,
        body: { statusCode: 400, code: 'bad_request', message: 'Bad Request' },
      });
    });

    it('answers 415 to a JSON body in another content encoding, and reads no other body', async () => {
      expect(await post('{"a":1}', 'application/json', 'zstd')).toEqual({
        status: 415,
        body: {
          statusCode: 415,
          code: 'unsupported_media_type',
          message: 'unsupported content encoding "zstd"',
        },
      });
      expect(await post('hello', 'text/plain', 'zstd')).toEqual({ status: 201, body: {} });
    });

    it('routes paths case-insensitively, with or without a trailing slash', async () => {
      expect((await fetch(`${base}/PROBE`)).status).toBe(200);
      expect((await fetch(`${base}/probe/`)).status).toBe(200);
      expect(await (await fetch(`${base}/no-such-route`)).json()).toEqual({
        statusCode: 404,
        code: 'not_found',
        message: 'Cannot GET /no-such-route',
      });
    });

    it("sends Express' weak ETag, and 304 to a GET that has it", async () => {
      const first = await fetch(`${base}/probe`);
      const etag = first.headers.get('etag');
      // The `etag` package's weak tag of `{"ok":true}`.
      expect(etag).toBe('W/"b-Ai2R8hgEarLmHKwesT1qcY913ys"');
      // fetch adds `Cache-Control: no-cache` to a conditional request unless told otherwise.
      const again = await fetch(`${base}/probe`, {
        headers: { 'If-None-Match': etag!, 'Cache-Control': 'max-age=0' },
      });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      const uncached = await fetch(`${base}/probe`, {
        headers: { 'If-None-Match': etag!, 'Cache-Control': 'no-cache' },
      });
      expect(uncached.status).toBe(200);
    });

    it('answers 400 bad_request with the security headers to a path that does not decode', async () => {
      const response = await fetch(`${base}/probe/%E0%A4%A`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ statusCode: 400, code: 'bad_request' });
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('answers a CORS preflight from any origin when ALLOWED_ORIGINS is unset', async () => {
      const response = await fetch(`${base}/probe`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'http://app.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,authorization',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('http://app.example');
      expect(response.headers.get('access-control-allow-methods')).toBe(
        'GET,HEAD,PUT,PATCH,POST,DELETE',
      );
      expect(response.headers.get('access-control-allow-headers')).toBe(
        'content-type,authorization',
      );
      expect(response.headers.get('vary')).toContain('Origin');
    });
  });
});
