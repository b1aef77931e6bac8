import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import {
  extractToken,
  InvalidTokenError,
  ServiceApiKeyGuard,
  TokenVerifier,
} from '@switchboard/auth';
import { apiError } from '@switchboard/http';
import type { IncomingMessage } from 'node:http';

/** The claims of a token already verified: its payload, the middle of the three parts. */
function hasAdminClaim(verifiedToken: string): boolean {
  const payload = JSON.parse(
    Buffer.from(verifiedToken.split('.')[1], 'base64url').toString('utf8'),
  ) as { admin?: unknown };
  return payload.admin === true;
}

/**
 * Operators only: `X-Api-Key` equal to SERVICE_API_KEY, or a valid token (header or `access_token`)
 * with the claim `admin: true`. No or bad credentials are 401; a valid token without the claim is 403.
 */
@Injectable()
export class AdminAccessGuard implements CanActivate {
  constructor(
    private readonly apiKey: ServiceApiKeyGuard,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    if (request.headers['x-api-key'] !== undefined) return this.apiKey.canActivate(context);
    const token = extractToken(request.headers.authorization, request.url);
    if (!token)
      throw apiError(HttpStatus.UNAUTHORIZED, {
        code: 'unauthorized',
        message: 'an X-Api-Key or an admin bearer token is required',
      });
    try {
      await this.verifier.verify(token);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      throw apiError(HttpStatus.UNAUTHORIZED, {
        code: 'unauthorized',
        message: 'the token is invalid or expired',
      });
    }
    if (!hasAdminClaim(token))
      throw apiError(HttpStatus.FORBIDDEN, {
        code: 'forbidden',
        message: 'the token has no admin claim',
      });
    return true;
  }
}
