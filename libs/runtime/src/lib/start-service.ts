import { DynamicModule, HttpStatus, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwitchboardConfig } from '@switchboard/config';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { apiError } from './http-error.filter';
import { httpServerLimits, LimitedExpressAdapter } from './http-server-limits';

export interface ServiceAppOptions {
  /** Close on SIGTERM/SIGINT (sockets closed, streams ended, then exit). Off in tests that run many apps. */
  shutdownHooks?: boolean;
  /** The largest JSON body accepted (body-parser syntax, e.g. `4mb`); larger ones get 413 `too_large`. */
  jsonBodyLimit?: string;
}

const DEFAULT_JSON_BODY_LIMIT = '100kb';

/**
 * helmet's headers with its defaults but one: `upgrade-insecure-requests` would make a browser fetch
 * the `/docs` scripts over https from a service reached over plain http (TLS usually ends at a proxy).
 */
const securityHeaders = helmet({
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
});

/**
 * Refuses a JSON body that is not UTF-8 before it is decoded: the decoder would turn invalid bytes into
 * U+FFFD (and iconv would decode a UTF-16 or UTF-32 charset), so what is acknowledged would differ
 * from what was sent and stored. RFC 8259 makes UTF-8 the only encoding of JSON between systems.
 */
function refuseNonUtf8Body(
  _request: IncomingMessage,
  _response: unknown,
  body: Buffer,
  encoding: string,
): void {
  if (encoding !== 'utf-8') {
    throw apiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, {
      code: 'unsupported_media_type',
      message: `JSON bodies must be UTF-8, not ${encoding}`,
    });
  }
  if (!isUtf8(body)) {
    throw apiError(HttpStatus.BAD_REQUEST, {
      code: 'invalid_json',
      message: 'the request body is not valid UTF-8',
    });
  }
}

/**
 * Creates a service's Nest application the one way every service is created: pino as the logger,
 * helmet's security headers and no `X-Powered-By`, CORS for ALLOWED_ORIGINS (any origin when
 * unset), and an HTTP server that closes connections which send no request headers within
 * REQUEST_HEADERS_TIMEOUT_MS.
 */
export async function createServiceApp(
  rootModule: DynamicModule,
  config: SwitchboardConfig,
  options: ServiceAppOptions = {},
): Promise<INestApplication> {
  // Nest's own logger stays off until pino takes over: a failure while the module graph is built
  // (an unmigrated schema, an unreachable database) reaches the caller as one error, not a log dump.
  const app = await NestFactory.create<NestExpressApplication>(
    rootModule,
    new LimitedExpressAdapter(httpServerLimits(config.requestHeadersTimeoutMs)),
    { logger: false, abortOnError: false, bodyParser: false },
  );
  app.disable('x-powered-by');
  app.use(securityHeaders);
  // Every API takes JSON; the limit is the service's own (a publish may name 10,000 users). Nest's
  // type hides `verify` (it sets its own only for rawBody, which is off) but hands it to express.json.
  const jsonOptions = {
    limit: options.jsonBodyLimit ?? DEFAULT_JSON_BODY_LIMIT,
    verify: refuseNonUtf8Body,
  };
  app.useBodyParser('json', jsonOptions);
  app.useLogger(app.get(Logger));
  app.enableCors({ origin: config.allowedOrigins === null ? true : [...config.allowedOrigins] });
  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  return app;
}
