import { HttpStatus, INestApplication, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwitchboardConfig } from '@switchboard/config';
import helmet from 'helmet';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { apiError, HttpErrorFilter } from './http-error.filter';

/** What an HTTP API of one service accepts besides the conventions every service shares. */
export interface HttpConventionOptions {
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
 * The HTTP conventions every service keeps: helmet's security headers and no `X-Powered-By`, JSON
 * bodies in UTF-8 up to a limit, and CORS for ALLOWED_ORIGINS (any origin when unset).
 */
export function applyHttpConventions(
  app: INestApplication,
  config: SwitchboardConfig,
  options: HttpConventionOptions = {},
): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.use(securityHeaders);
  // Nest's type hides `verify` (it sets its own only for rawBody, which is off) but hands it to express.json.
  express.useBodyParser('json', {
    limit: options.jsonBodyLimit ?? DEFAULT_JSON_BODY_LIMIT,
    verify: refuseNonUtf8Body,
  });
  express.enableCors({
    origin: config.allowedOrigins === null ? true : [...config.allowedOrigins],
  });
}

/** Every HTTP error in one shape, `{statusCode, code, message}` (HttpErrorFilter), for the whole application. */
@Module({ providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }] })
export class HttpConventionsModule {}
