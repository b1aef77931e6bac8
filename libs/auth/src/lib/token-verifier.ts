import { JwtService } from '@nestjs/jwt';
import { UserRef, userId, userName } from '@switchboard/protocol';
import { VerifiedTokenCache } from './verified-token-cache';

export type AuthenticatedUser = UserRef;

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

interface SwitchboardClaims {
  sub?: unknown;
  name?: unknown;
  exp?: number;
}

const CLAIM_RULE = 'must be 1-255 characters of valid Unicode without control characters';

/** Enough for every client of a busy instance to reuse its verification; ~150 B each besides its user. */
export const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Verifies HS256 JWTs: `sub` is the user id, `name` the display name (the id when absent). Both are
 * 1–255 characters of valid Unicode without control characters (protocol's `userId`, `userName`):
 * a token with anything else is refused, since what it names could not be stored or shown as given.
 * A verified token is answered from a cache of `tokensKept` until its `exp` (none: every token is
 * verified each time); a refused one is verified again each time.
 */
export class TokenVerifier {
  private readonly verified: VerifiedTokenCache | null;

  constructor(
    private readonly jwt: JwtService,
    tokensKept = VERIFIED_TOKENS_KEPT,
  ) {
    this.verified = tokensKept > 0 ? new VerifiedTokenCache(tokensKept) : null;
  }

  async verify(token: string): Promise<AuthenticatedUser> {
    const known = this.verified?.get(token, Date.now());
    if (known !== undefined) return known;
    const user = await this.verifySignatureAndClaims(token);
    this.verified?.set(token, user.user, user.exp);
    return user.user;
  }

  private async verifySignatureAndClaims(
    token: string,
  ): Promise<{ user: AuthenticatedUser; exp: number | undefined }> {
    let claims: SwitchboardClaims;
    try {
      claims = await this.jwt.verifyAsync<SwitchboardClaims & object>(token, {
        algorithms: ['HS256'],
      });
    } catch (error) {
      throw new InvalidTokenError((error as Error).message);
    }
    const id = userId.safeParse(claims.sub);
    if (!id.success) throw new InvalidTokenError(`token "sub" claim: ${CLAIM_RULE}`);
    if (claims.name === undefined) return { user: { id: id.data, name: id.data }, exp: claims.exp };
    const name = userName.safeParse(claims.name);
    if (!name.success) throw new InvalidTokenError(`token "name" claim: ${CLAIM_RULE}`);
    return { user: { id: id.data, name: name.data }, exp: claims.exp };
  }

  /** A development token: `sub` = id, `name`, valid for one day. */
  sign(id: string, name = id): string {
    return this.jwt.sign({ sub: id, name }, { algorithm: 'HS256', expiresIn: '1d' });
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
