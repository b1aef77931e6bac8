import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SwitchboardConfig } from '@switchboard/config';
import { Logger } from 'nestjs-pino';

export interface ServiceAppOptions {
  /** Close on SIGTERM/SIGINT (sockets closed, streams ended, then exit). Off in tests that run many apps. */
  shutdownHooks?: boolean;
}

/**
 * Creates a service's Nest application the one way every service is created: pino as the logger,
 * CORS for ALLOWED_ORIGINS (any origin when unset).
 */
export async function createServiceApp(
  rootModule: DynamicModule,
  config: SwitchboardConfig,
  options: ServiceAppOptions = {},
): Promise<INestApplication> {
  // Nest's own logger stays off until pino takes over: a failure while the module graph is built
  // (an unmigrated schema, an unreachable database) reaches the caller as one error, not a log dump.
  const app = await NestFactory.create(rootModule, { logger: false, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.enableCors({ origin: config.allowedOrigins === null ? true : [...config.allowedOrigins] });
  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  return app;
}
