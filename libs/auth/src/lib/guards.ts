import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  AuthenticatedUser,
  extractToken,
  InvalidTokenError,
  TokenVerifier,
} from './token-verifier';

type AuthenticatedRequest = IncomingMessage & { user?: AuthenticatedUser };

/** HTTP: requires a valid JWT (header or `access_token`) and exposes it through `@CurrentUser()`. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = extractToken(request.headers.authorization, request.url);
    if (!token)
      throw new UnauthorizedException({
        code: 'unauthorized',
        message: 'a bearer token is required',
      });
    try {
      request.user = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        throw new UnauthorizedException({
          code: 'unauthorized',
          message: 'the token is invalid or expired',
        });
      }
      throw error;
    }
    return true;
  }
}

export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthenticatedUser => {
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (!user)
      throw new UnauthorizedException({ code: 'unauthorized', message: 'not authenticated' });
    return user;
  },
);

/** Server-to-server APIs: requires `X-Api-Key` equal to SERVICE_API_KEY (compared in constant time). */
@Injectable()
export class ServiceApiKeyGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(config: SwitchboardConfig) {
    this.expected = config.serviceApiKey === null ? null : Buffer.from(config.serviceApiKey);
  }

  canActivate(context: ExecutionContext): boolean {
    const presented = context.switchToHttp().getRequest<IncomingMessage>().headers['x-api-key'];
    const candidate = Buffer.from(typeof presented === 'string' ? presented : '');
    const ok =
      this.expected !== null &&
      candidate.length === this.expected.length &&
      timingSafeEqual(candidate, this.expected);
    if (!ok)
      throw new UnauthorizedException({
        code: 'unauthorized',
        message: 'a valid X-Api-Key is required',
      });
    return true;
  }
}
