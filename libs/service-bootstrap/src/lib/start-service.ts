import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SwitchboardConfig } from '@switchboard/config';
import { answerUnroutable, applyHttpConventions, HttpConventionOptions } from '@switchboard/http';
import { httpServerLimits, limitedHttpAdapter } from '@switchboard/observability';
import { Logger } from 'nestjs-pino';

export interface ServiceAppOptions extends HttpConventionOptions {
  /** Close on SIGTERM/SIGINT (sockets closed, streams ended, then exit). Off in tests that run many apps. */
  shutdownHooks?: boolean;
  /** The HTTP platform under Nest: Express unless the service asks for Fastify. */
  platform?: 'express' | 'fastify';
}

/**
 * Creates a service's Nest application the one way every service is created: pino as the logger,
 * the shared HTTP conventions (headers, UTF-8 JSON bodies, CORS), and an HTTP server that closes
 * connections which send no request headers within REQUEST_HEADERS_TIMEOUT_MS.
 */
export async function createServiceApp(
  rootModule: DynamicModule,
  config: SwitchboardConfig,
  options: ServiceAppOptions = {},
): Promise<INestApplication> {
  // Nest's own logger stays off until pino takes over: a failure while the module graph is built
  // (an unmigrated schema, an unreachable database) reaches the caller as one error, not a log dump.
  const limits = httpServerLimits(config.requestHeadersTimeoutMs);
  const app = await NestFactory.create(
    rootModule,
    await limitedHttpAdapter(options.platform ?? 'express', limits, answerUnroutable),
    { logger: false, abortOnError: false, bodyParser: false },
  );
  applyHttpConventions(app, config, options);
  app.useLogger(app.get(Logger));
  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  return app;
}
