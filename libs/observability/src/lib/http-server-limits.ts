import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { LISTEN_BACKLOG } from '@switchboard/config';
import type { FastifyServerOptions } from 'fastify';
import { createServer, RequestListener, Server, ServerOptions } from 'node:http';

/** Node's own limit for a whole request, body included: a slow upload of a large publish still fits. */
const REQUEST_TIMEOUT_MS = 300_000;

/**
 * Options for a Node HTTP server that closes (with 408) a connection that has not sent complete
 * request headers within `headersTimeoutMs`, a socket that sent nothing included. A WebSocket
 * leaves these checks once upgraded and an SSE stream once its GET is read, so neither is cut.
 */
export function httpServerLimits(headersTimeoutMs: number): ServerOptions {
  return {
    headersTimeout: headersTimeoutMs,
    requestTimeout: Math.max(REQUEST_TIMEOUT_MS, headersTimeoutMs),
    // Node enforces both limits only when it sweeps its connections (every 30 s by default), so the
    // sweep runs at a quarter of the limit, at most every second.
    connectionsCheckingInterval: Math.min(1_000, Math.ceil(headersTimeoutMs / 4)),
  };
}

/**
 * Nest's Express adapter on an HTTP server created with our limits: Nest itself creates a plain
 * `http.createServer()`, whose defaults hold a silent connection for up to 90 s, and listens with
 * Node's backlog of 511 (see LISTEN_BACKLOG). HTTPS and `forceCloseConnections`, which the replaced
 * method also handled, are not used by any service.
 */
export class LimitedExpressAdapter extends ExpressAdapter {
  constructor(private readonly serverOptions: ServerOptions) {
    super();
  }

  override initHttpServer(): void {
    this.setHttpServer(createServer(this.serverOptions, this.getInstance()));
  }

  /** As Nest's `listen(port, [hostname], [callback])`, with LISTEN_BACKLOG. */
  override listen(port: string | number, ...args: unknown[]): Server {
    const callback = typeof args.at(-1) === 'function' ? (args.pop() as () => void) : undefined;
    const [host] = args as [string | undefined];
    const server = this.getHttpServer() as Server;
    return server.listen({ port: Number(port), host, backlog: LISTEN_BACKLOG }, callback);
  }
}

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
