import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { httpServerLimits } from './http-server-limits';
import { isScrapeAuthorized } from './metrics-access';
import { MetricsRegistry } from './metrics-registry';

/**
 * With METRICS_PORT set, `/metrics` is served on that port only (nothing else is), so it can stay
 * inside the cluster network while the service's own port faces clients.
 */
@Injectable()
export class MetricsPortServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsPortServer.name);
  private server: Server | null = null;

  constructor(
    private readonly config: SwitchboardConfig,
    private readonly metrics: MetricsRegistry,
  ) {}

  /** The port it listens on, `null` without METRICS_PORT (METRICS_PORT=0 takes a free port). */
  get port(): number | null {
    return this.server === null ? null : (this.server.address() as AddressInfo).port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port } = this.config.metrics;
    if (port === null) return;
    const limits = httpServerLimits(this.config.requestHeadersTimeoutMs);
    const server = createServer(limits, (request, response) => {
      this.answer(request, response).catch((error: unknown) => {
        this.logger.error(`metrics scrape failed: ${(error as Error).message}`);
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new Error(`METRICS_PORT ${port}: ${error.message}`)));
      server.listen(port, resolve);
    });
    this.server = server;
  }

  onApplicationShutdown(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { pathname } = new URL(request.url ?? '/', 'http://metrics');
    if (request.method !== 'GET' || pathname !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    } else if (!isScrapeAuthorized(request.headers.authorization, this.config.metrics.token)) {
      response
        .writeHead(401, { 'Content-Type': 'text/plain' })
        .end('the metrics require Authorization: Bearer <METRICS_TOKEN>\n');
    } else {
      const body = await this.metrics.registry.metrics();
      response.writeHead(200, { 'Content-Type': this.metrics.registry.contentType }).end(body);
    }
  }
}
