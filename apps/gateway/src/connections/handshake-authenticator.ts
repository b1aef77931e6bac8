import { Injectable } from '@nestjs/common';
import { AuthenticatedUser, extractToken, isOriginAllowed, TokenVerifier } from '@switchboard/auth';
import { SwitchboardConfig } from '@switchboard/config';
import { HANDSHAKE_CLOSE_CODES, HandshakeCloseCode } from '@switchboard/protocol';
import type { IncomingMessage } from 'node:http';

export type HandshakeVerdict =
  { ok: true } | { ok: false; closeCode: HandshakeCloseCode; reason: string };

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
      return {
        ok: false,
        closeCode: HANDSHAKE_CLOSE_CODES.forbidden,
        reason: 'origin not allowed',
      };
    }
    const token = extractToken(request.headers.authorization, request.url);
    if (!token)
      return { ok: false, closeCode: HANDSHAKE_CLOSE_CODES.unauthorized, reason: 'missing token' };
    try {
      this.users.set(request, await this.verifier.verify(token));
    } catch {
      return {
        ok: false,
        closeCode: HANDSHAKE_CLOSE_CODES.unauthorized,
        reason: 'invalid or expired token',
      };
    }
    return { ok: true };
  }

  /** The user a successful `authenticate` found for this request. */
  userOf(request: IncomingMessage): AuthenticatedUser | undefined {
    return this.users.get(request);
  }
}
