import type { AbstractHttpAdapter } from '@nestjs/core';
import type { FastifyServerOptions } from 'fastify';
import type { ServerOptions } from 'node:http';

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
 * The HTTP adapter of a service's platform, on a server with `serverOptions`. Only that platform is
 * loaded: Express or Fastify with their dependencies is 150–250 ms of CPU at start-up, which a
 * restarted gateway spends while its clients are already reconnecting.
 */
export async function limitedHttpAdapter(
  platform: 'express' | 'fastify',
  serverOptions: ServerOptions,
  frameworkErrors: FastifyServerOptions['frameworkErrors'],
): Promise<AbstractHttpAdapter> {
  if (platform === 'fastify') {
    const { limitedFastifyAdapter } = await import('./limited-fastify-adapter');
    return limitedFastifyAdapter(serverOptions, frameworkErrors);
  }
  const { LimitedExpressAdapter } = await import('./limited-express-adapter');
  return new LimitedExpressAdapter(serverOptions);
}
