import { Injectable } from '@nestjs/common';
import { AuthenticatedUser, extractToken, isOriginAllowed, TokenVerifier } from '@switchboard/auth';
import { SwitchboardConfig } from '@switchboard/config';
import type { IncomingMessage } from 'node:http';

/**
 * Close codes of a refused handshake: the HTTP status plus 4000, as browsers cannot read the status
 * of a failed upgrade but do see the close code of an open socket.
 */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;

export type HandshakeVerdict =
  | { ok: true }
  | { ok: false; closeCode: typeof CLOSE_UNAUTHORIZED | typeof CLOSE_FORBIDDEN; reason: string };

/**
 * Authenticates a WebSocket upgrade before any frame is handled (Nest guards do not run on the
 * handshake): an origin outside ALLOWED_ORIGINS is forbidden, a missing or bad token unauthorized.
 */
@Injectable()
export class HandshakeAuthenticator {
  private readonly users = new WeakMap<IncomingMessage, AuthenticatedUser>();

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly config: SwitchboardConfig,
  ) {}

  async authenticate(request: IncomingMessage): Promise<HandshakeVerdict> {
    if (!isOriginAllowed(request.headers.origin, this.config.allowedOrigins)) {
      return { ok: false, closeCode: CLOSE_FORBIDDEN, reason: 'origin not allowed' };
    }
    const token = extractToken(request.headers.authorization, request.url);
    if (!token) return { ok: false, closeCode: CLOSE_UNAUTHORIZED, reason: 'missing token' };
    try {
      this.users.set(request, await this.verifier.verify(token));
    } catch {
      return { ok: false, closeCode: CLOSE_UNAUTHORIZED, reason: 'invalid or expired token' };
    }
    return { ok: true };
  }

  /** The user a successful `authenticate` found for this request. */
  userOf(request: IncomingMessage): AuthenticatedUser | undefined {
    return this.users.get(request);
  }
}
