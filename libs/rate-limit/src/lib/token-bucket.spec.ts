import { Clock, InMemoryRateLimiter } from './rate-limiter';
import { BucketState, takeToken } from './token-bucket';

const policy = { perSecond: 10, burst: 20 };

describe('takeToken', () => {
  it('starts full: a burst of `burst` is allowed, the next is refused', () => {
    let state: BucketState | undefined;
    for (let i = 0; i < 20; i++) {
      const step = takeToken(state, 1_000, policy);
      expect(step.result).toEqual({ allowed: true });
      state = step.state;
    }
    const refused = takeToken(state, 1_000, policy);
    expect(refused.result).toEqual({ allowed: false, retryAfterMs: 100 });
  });

  it('refills at `perSecond` and says exactly when the next token comes', () => {
    const empty: BucketState = { tokens: 0.25, updatedAtMs: 0 };
    expect(takeToken(empty, 0, policy).result).toEqual({ allowed: false, retryAfterMs: 75 });
    expect(takeToken(empty, 74, policy).result.allowed).toBe(false);
    expect(takeToken(empty, 75, policy).result.allowed).toBe(true);
  });

  it('never holds more than `burst` tokens however long it idles', () => {
    const { state } = takeToken({ tokens: 0, updatedAtMs: 0 }, 3_600_000, policy);
    expect(state.tokens).toBe(19);
  });

  it('ignores a clock that goes backwards', () => {
    const { state, result } = takeToken({ tokens: 1, updatedAtMs: 5_000 }, 4_000, policy);
    expect(result.allowed).toBe(true);
    expect(state.tokens).toBe(0);
  });
});

describe('InMemoryRateLimiter', () => {
  class FakeClock extends Clock {
    time = 0;
    override now(): number {
      return this.time;
    }
  }

  it('keeps one bucket per key', async () => {
    const clock = new FakeClock();
    const limiter = new InMemoryRateLimiter({ perSecond: 1, burst: 2 }, clock);
    expect((await limiter.take('a')).allowed).toBe(true);
    expect((await limiter.take('a')).allowed).toBe(true);
    expect(await limiter.take('a')).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect((await limiter.take('b')).allowed).toBe(true);
    clock.time = 1000;
    expect((await limiter.take('a')).allowed).toBe(true);
  });
});
