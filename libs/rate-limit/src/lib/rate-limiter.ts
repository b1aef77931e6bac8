import { BucketState, takeToken, TakeResult, TokenBucketPolicy } from './token-bucket';

const SWEEP_THRESHOLD = 10_000;

/** The wall clock, injectable so tests can move time. */
export class Clock {
  now(): number {
    return Date.now();
  }
}

/** Limits how often one key (a user) may act, across every instance sharing the store. */
export abstract class RateLimiter {
  abstract take(key: string): Promise<TakeResult>;
}

/** Buckets in this process's memory (single-process mode). */
export class InMemoryRateLimiter extends RateLimiter {
  private readonly buckets = new Map<string, BucketState>();

  constructor(
    private readonly policy: TokenBucketPolicy,
    private readonly clock: Clock = new Clock(),
  ) {
    super();
  }

  async take(key: string): Promise<TakeResult> {
    const now = this.clock.now();
    const { state, result } = takeToken(this.buckets.get(key), now, this.policy);
    this.buckets.set(key, state);
    if (this.buckets.size > SWEEP_THRESHOLD) this.forgetFullBuckets(now);
    return result;
  }

  /** A bucket that has refilled is the same as no bucket: dropping it keeps idle users free. */
  private forgetFullBuckets(now: number): void {
    const refillMs = (this.policy.burst * 1000) / this.policy.perSecond;
    for (const [key, state] of this.buckets) {
      if (now - state.updatedAtMs >= refillMs) this.buckets.delete(key);
    }
  }
}
