import { Injectable } from '@nestjs/common';
import { AuthenticatedUser, extractToken, isOriginAllowed, TokenVerifier } from '@switchboard/auth';
import { SwitchboardConfig } from '@switchboard/config';
import type { IncomingMessage } from 'node:http';

export type HandshakeVerdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/**
 * Authenticates a WebSocket upgrade before it happens (Nest guards do not run on the handshake):
 * an origin outside ALLOWED_ORIGINS gets 403, a missing or bad token 401, and no socket is opened.
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
      return { ok: false, status: 403, reason: 'Origin not allowed' };
    }
    const token = extractToken(request.headers.authorization, request.url);
    if (!token) return { ok: false, status: 401, reason: 'Unauthorized' };
    try {
      this.users.set(request, await this.verifier.verify(token));
    } catch {
      return { ok: false, status: 401, reason: 'Unauthorized' };
    }
    return { ok: true };
  }

  /** The user a successful `authenticate` found for this request. */
  userOf(request: IncomingMessage): AuthenticatedUser | undefined {
    return this.users.get(request);
  }
}
