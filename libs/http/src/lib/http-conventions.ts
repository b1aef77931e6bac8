import { HttpStatus, INestApplication, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SwitchboardConfig } from '@switchboard/config';
import bytes from 'bytes';
import etag from 'etag';
import fresh from 'fresh';
import helmet from 'helmet';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { apiError, HttpErrorFilter, TOO_LARGE_MESSAGE } from './http-error.filter';

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

/** A JSON body's first character other than whitespace, as body-parser's strict mode reads it. */
const FIRST_CHARACTER = /^[ \t\n\r]*([^ \t\n\r])/;

/** The `charset` parameter of a Content-Type, lower case, or `utf-8` when there is none. */
function charsetOf(contentType: string | undefined): string {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '');
  return (match?.[1] ?? match?.[2] ?? 'utf-8').toLowerCase();
}

const DECOMPRESS_BY_ENCODING: Record<string, typeof gunzipSync | undefined> = {
  gzip: gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/**
 * The body as body-parser inflates it: gzip, deflate or br (any case), at most `limit` bytes once
 * inflated (413 past it, so a small bomb stays small), 400 when it does not inflate, 415 for any other
 * Content-Encoding than `identity`.
 */
function inflatedBody(request: IncomingMessage, body: Buffer, limit: number): Buffer {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return body;
  const decompress = DECOMPRESS_BY_ENCODING[encoding];
  if (!decompress) {
    throw apiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, {
      code: 'unsupported_media_type',
      message: `unsupported content encoding "${encoding}"`,
    });
  }
  try {
    return decompress(body, { maxOutputLength: limit });
  } catch (error) {
    throw (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
      ? apiError(HttpStatus.PAYLOAD_TOO_LARGE, { code: 'too_large', message: TOO_LARGE_MESSAGE })
      : apiError(HttpStatus.BAD_REQUEST, { code: 'bad_request', message: 'Bad Request' });
  }
}

/**
 * A JSON body as Express' `json()` parses it, for Fastify: a charset other than UTF-* is 415, then
 * the body is inflated, then `refuseNonUtf8Body`, then an empty body is `{}`, and only an object or
 * an array is JSON (strict).
 */
function parseJsonBody(request: IncomingMessage, encoded: Buffer, limit: number): unknown {
  const charset = charsetOf(request.headers['content-type']);
  if (!charset.startsWith('utf-')) {
    throw apiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, {
      code: 'unsupported_media_type',
      message: `unsupported charset "${charset.toUpperCase()}"`,
    });
  }
  const body = inflatedBody(request, encoded, limit);
  refuseNonUtf8Body(request, undefined, body, charset);
  if (body.length === 0) return {};
  const text = body.toString('utf8');
  const first = FIRST_CHARACTER.exec(text)?.[1];
  try {
    if (first !== '{' && first !== '[') throw new SyntaxError('not an object or an array');
    return JSON.parse(text);
  } catch {
    throw apiError(HttpStatus.BAD_REQUEST, {
      code: 'invalid_json',
      message: 'the request body is not valid JSON',
    });
  }
}

/** `100kb`, `4mb`: body-parser's size syntax, in bytes, parsed by `bytes` as body-parser does. */
function bytesOf(limit: string): number {
  const size = bytes.parse(limit);
  if (size === null) throw new Error(`not a size: ${limit}`);
  return size;
}

/**
 * Whether a GET or HEAD may be answered 304, as Express' `req.fresh` decides for an answer with this
 * ETag and no Last-Modified, with the `fresh` package Express uses.
 */
function isFresh(request: IncomingMessage, status: number, entityTag: string): boolean {
  const { method } = request;
  if (method !== 'GET' && method !== 'HEAD') return false;
  if ((status < 200 || status >= 300) && status !== 304) return false;
  return fresh(request.headers, { etag: entityTag });
}

function applyExpressConventions(
  app: NestExpressApplication,
  config: SwitchboardConfig,
  jsonBodyLimit: string,
): void {
  app.disable('x-powered-by');
  app.use(securityHeaders);
  // Nest's type hides `verify` (it sets its own only for rawBody, which is off) but hands it to express.json.
  app.useBodyParser('json', { limit: jsonBodyLimit, verify: refuseNonUtf8Body });
  app.enableCors({ origin: config.allowedOrigins === null ? true : [...config.allowedOrigins] });
}

/**
 * The same conventions on Fastify, answering as Express does: a body that is not `application/json`
 * is not read (the handler sees no body) where Fastify would answer 415, a body over the limit is 413
 * `too_large` (HttpErrorFilter), and answers carry Express' weak ETag.
 */
function applyFastifyConventions(
  app: NestFastifyApplication,
  config: SwitchboardConfig,
  jsonBodyLimit: string,
): void {
  app.use(securityHeaders);
  const fastify = app.getHttpAdapter().getInstance();
  // Fastify's own parsers (JSON, and text/plain as a string) give way to Express' rules below.
  fastify.removeAllContentTypeParsers();
  const bodyLimit = bytesOf(jsonBodyLimit);
  app.useBodyParser('application/json', { bodyLimit }, (request, body, done) => {
    try {
      done(null, parseJsonBody(request.raw as IncomingMessage, body, bodyLimit));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addContentTypeParser('*', (_request, _payload, done) => {
    done(null, undefined);
  });
  // Express' ETag on every answer with a body, and 304 to a GET or HEAD that already has it.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
    // Express' weak ETag, made by the `etag` package as Express makes it.
    const entityTag =
      (reply.getHeader('etag') as string | undefined) ?? etag(payload, { weak: true });
    reply.header('etag', entityTag);
    if (!isFresh(request.raw, reply.statusCode, entityTag)) {
      return done(null, payload);
    }
    reply.code(HttpStatus.NOT_MODIFIED);
    reply.removeHeader('content-type');
    done(null, '');
  });
  app.enableCors({
    origin: config.allowedOrigins === null ? true : [...config.allowedOrigins],
    // The defaults of Express' `cors`, where @fastify/cors' would allow fewer methods and refuse a
    // preflight that lacks its Access-Control-Request-* headers.
    methods: 'GET,HEAD,PUT,PATCH,POST,DELETE',
    strictPreflight: false,
  });
}

/**
 * Fastify's `frameworkErrors`: a request it refuses before routing (a path whose %-escapes do not
 * decode) reaches neither the hooks nor HttpErrorFilter, so it is answered here as on Express: 400
 * `bad_request` in the error shape, with the security headers.
 */
export function answerUnroutable(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  securityHeaders(request.raw, reply.raw, () => {
    reply.status(HttpStatus.BAD_REQUEST).send({
      statusCode: HttpStatus.BAD_REQUEST,
      code: 'bad_request',
      message: error.message,
    });
  });
}

/**
 * The HTTP conventions every service keeps, on Express or Fastify alike: helmet's security headers
 * and no `X-Powered-By`, JSON bodies in UTF-8 up to a limit, and CORS for ALLOWED_ORIGINS (any origin
 * when unset).
 */
export function applyHttpConventions(
  app: INestApplication,
  config: SwitchboardConfig,
  options: HttpConventionOptions = {},
): void {
  const jsonBodyLimit = options.jsonBodyLimit ?? DEFAULT_JSON_BODY_LIMIT;
  if (app.getHttpAdapter().getType() === 'fastify') {
    applyFastifyConventions(app as NestFastifyApplication, config, jsonBodyLimit);
  } else {
    applyExpressConventions(app as NestExpressApplication, config, jsonBodyLimit);
  }
}

/** Every HTTP error in one shape, `{statusCode, code, message}` (HttpErrorFilter), for the whole application. */
@Module({ providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }] })
export class HttpConventionsModule {}
