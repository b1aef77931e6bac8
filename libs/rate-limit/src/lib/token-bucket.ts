/** A token bucket: `burst` tokens at most, refilled at `perSecond`; each message takes one. */
export interface TokenBucketPolicy {
  perSecond: number;
  burst: number;
}

export interface BucketState {
  tokens: number;
  updatedAtMs: number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Pure token-bucket arithmetic; the Redis script implements the same steps. */
export function takeToken(
  state: BucketState | undefined,
  nowMs: number,
  policy: TokenBucketPolicy,
): { state: BucketState; result: TakeResult } {
  const elapsedMs = state ? Math.max(0, nowMs - state.updatedAtMs) : 0;
  const available = state
    ? Math.min(policy.burst, state.tokens + (elapsedMs * policy.perSecond) / 1000)
    : policy.burst;
  if (available >= 1) {
    return { state: { tokens: available - 1, updatedAtMs: nowMs }, result: { allowed: true } };
  }
  const retryAfterMs = Math.ceil(((1 - available) * 1000) / policy.perSecond);
  return {
    state: { tokens: available, updatedAtMs: nowMs },
    result: { allowed: false, retryAfterMs },
  };
}
