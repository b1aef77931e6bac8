import type { UserRef } from '@switchboard/protocol';
import { hash } from 'node:crypto';

interface VerifiedToken {
  user: UserRef;
  /** When the token's `exp` passes (ms since the epoch); Infinity for a token without `exp`. */
  expiresAtMs: number;
}

/**
 * A token's key in the cache: its SHA-256. The token itself is often cut from its request's URL or
 * header, and keeping it would keep that whole text (one per connection), and a credential, in memory.
 */
function digestOf(token: string): string {
  return hash('sha256', token, 'base64url');
}

/**
 * Tokens already verified, keyed by the token's digest, each kept until its own expiry: a client sends
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
    const key = digestOf(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (nowMs < entry.expiresAtMs) return entry.user;
    this.entries.delete(key);
    return undefined;
  }

  /** `exp` is the token's claim in seconds (jsonwebtoken refuses a token once `now >= exp`). */
  set(token: string, user: UserRef, exp: number | undefined): void {
    if (this.entries.size >= this.capacity) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(digestOf(token), {
      user: Object.freeze(user),
      expiresAtMs: exp === undefined ? Infinity : exp * 1000,
    });
  }
}
