import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyServerOptions } from 'fastify';
import { createServer, RequestListener, ServerOptions } from 'node:http';

/**
 * Nest's Fastify adapter on an HTTP server created with our limits, routing as Express does: paths
 * case-insensitive, a trailing slash ignored, and a path parameter of any length reaching the handler,
 * whose check answers 400 naming it (Fastify's default would answer 404 past 100 characters).
 * `frameworkErrors` answers what Fastify refuses before any hook or filter runs (a path it cannot decode).
 */
export function limitedFastifyAdapter(
  serverOptions: ServerOptions,
  frameworkErrors: FastifyServerOptions['frameworkErrors'],
): FastifyAdapter {
  return new FastifyAdapter({
    serverFactory: (handler: RequestListener) => createServer(serverOptions, handler),
    frameworkErrors,
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      maxParamLength: Number.MAX_SAFE_INTEGER,
    },
  });
}
