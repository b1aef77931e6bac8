import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { UserRef } from '@switchboard/protocol';

export type AuthenticatedUser = UserRef;

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

interface SwitchboardClaims {
  sub?: unknown;
  name?: unknown;
}

const MAX_CLAIM_LENGTH = 255;

function isShortString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CLAIM_LENGTH;
}

/** Verifies HS256 JWTs: `sub` is the user id, `name` the display name (the id when absent). */
@Injectable()
export class TokenVerifier {
  constructor(private readonly jwt: JwtService) {}

  async verify(token: string): Promise<AuthenticatedUser> {
    let claims: SwitchboardClaims;
    try {
      claims = await this.jwt.verifyAsync<SwitchboardClaims & object>(token, {
        algorithms: ['HS256'],
      });
    } catch (error) {
      throw new InvalidTokenError((error as Error).message);
    }
    if (!isShortString(claims.sub)) throw new InvalidTokenError('token has no usable "sub" claim');
    return { id: claims.sub, name: isShortString(claims.name) ? claims.name : claims.sub };
  }

  /** A development token: `sub` = userId, `name`, valid for one day. */
  sign(userId: string, name = userId): string {
    return this.jwt.sign({ sub: userId, name }, { algorithm: 'HS256', expiresIn: '1d' });
  }
}

/**
 * The token of a request: `Authorization: Bearer …`, else the `access_token` query parameter
 * (browsers cannot set headers on WebSocket or EventSource requests).
 */
export function extractToken(
  authorization: string | undefined,
  url: string | undefined,
): string | null {
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    return match ? match[1] : null;
  }
  if (!url) return null;
  const query = url.indexOf('?');
  if (query < 0) return null;
  return new URLSearchParams(url.slice(query + 1)).get('access_token') || null;
}

/** Browsers always send `Origin`; a request without one is not from a browser page and is allowed. */
export function isOriginAllowed(
  origin: string | undefined,
  allowed: readonly string[] | null,
): boolean {
  return allowed === null || origin === undefined || allowed.includes(origin);
}
