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
import type { Response } from 'express';
import type { Server } from 'node:http';
import { connect, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createServiceApp } from './start-service';

@Controller('probe')
class ProbeController {
  @Get()
  answer(): { ok: true } {
    return { ok: true };
  }

  @Post()
  echo(@Body() body: unknown): unknown {
    return body;
  }

  /** An event stream that stays open and silent, as an SSE stream does between keep-alives. */
  @Get('stream')
  stream(@Res() response: Response): void {
    response.writeHead(200, { 'Content-Type': 'text/event-stream' });
    response.write(': open\n\n');
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

async function startProbeApp(
  overrides: Record<string, string> = {},
): Promise<{ app: INestApplication; base: string; port: number }> {
  const config = testConfig('history', overrides);
  const app = await createServiceApp(ProbeAppModule.forRoot(config), config, {
    shutdownHooks: false,
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

describe('connections that send no request (REQUEST_HEADERS_TIMEOUT_MS)', () => {
  let app: INestApplication;
  let port: number;
  let webSockets: WebSocketServer;
  const opened: Socket[] = [];

  beforeAll(async () => {
    ({ app, port } = await startProbeApp({ REQUEST_HEADERS_TIMEOUT_MS: '300' }));
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
      ({ app, base } = await startProbeApp());
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
      const assets = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)=["']([^"']+)["']/g)].map(
        (match) => match[1],
      );
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
      ({ app, base } = await startProbeApp({ API_DOCS: 'off' }));
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
      ({ app, base } = await startProbeApp({ METRICS_TOKEN: token }));
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
      ({ app, base } = await startProbeApp({ METRICS_PORT: '0', METRICS_TOKEN: token }));
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
