import {
  CanActivate,
  ExecutionContext,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Whether a scrape may read the metrics: always without METRICS_TOKEN, else only with
 * `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time).
 */
export function isScrapeAuthorized(
  authorization: string | undefined,
  token: string | null,
): boolean {
  if (token === null) return true;
  const presented = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(sha256(presented), sha256(token));
}

/** `/metrics` on the service's own port: absent when METRICS_PORT moves it, behind METRICS_TOKEN when set. */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  constructor(private readonly config: SwitchboardConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.config.metrics.port !== null) throw new NotFoundException();
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    if (!isScrapeAuthorized(request.headers.authorization, this.config.metrics.token)) {
      throw new UnauthorizedException({
        code: 'unauthorized',
        message: 'the metrics require Authorization: Bearer <METRICS_TOKEN>',
      });
    }
    return true;
  }
}
