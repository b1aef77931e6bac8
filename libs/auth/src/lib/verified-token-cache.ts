import type { UserRef } from '@switchboard/protocol';

interface VerifiedToken {
  user: UserRef;
  /** When the token's `exp` passes (ms since the epoch); Infinity for a token without `exp`. */
  expiresAtMs: number;
}

/**
 * Tokens already verified, keyed by the token string, each kept until its own expiry: a client sends
 * the same token with every request, and verifying it again (HMAC, JSON, claim checks) is the same
 * answer for a higher price. At most `capacity` entries; the oldest is dropped to admit a new one.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, VerifiedToken>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The user of a token verified earlier and not yet expired at `nowMs`, else undefined. */
  get(token: string, nowMs: number): UserRef | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (nowMs < entry.expiresAtMs) return entry.user;
    this.entries.delete(token);
    return undefined;
  }

  /** `exp` is the token's claim in seconds (jsonwebtoken refuses a token once `now >= exp`). */
  set(token: string, user: UserRef, exp: number | undefined): void {
    if (this.entries.size >= this.capacity) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(token, {
      user: Object.freeze(user),
      expiresAtMs: exp === undefined ? Infinity : exp * 1000,
    });
  }
}
