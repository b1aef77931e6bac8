import { RedisConnections } from '@switchboard/redis';
import { testConfig } from '@switchboard/testing';
import { randomBytes } from 'node:crypto';
import { RedisRateLimiter } from './redis-rate-limiter';

describe('RedisRateLimiter', () => {
  const { redisUrl, redisKeyPrefix } = testConfig('gateway');
  const connections = [0, 1].map(
    () => new RedisConnections({ url: redisUrl!, keyPrefix: redisKeyPrefix }),
  );
  const limiters = connections.map(
    (instance) => new RedisRateLimiter(instance, { perSecond: 1, burst: 5 }),
  );

  afterAll(async () => {
    await Promise.all(connections.map((instance) => instance.close()));
  });

  it('shares one bucket per key across instances: the burst in all, then a refusal with retryAfterMs', async () => {
    const user = `user-${randomBytes(4).toString('hex')}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, n) => limiters[n % 2].take(user)),
    );
    expect(results.filter((result) => result.allowed)).toHaveLength(5);
    for (const result of results.filter((r) => !r.allowed)) {
      expect(result).toEqual({ allowed: false, retryAfterMs: expect.any(Number) });
      if (!result.allowed) {
        expect(result.retryAfterMs).toBeGreaterThan(0);
        expect(result.retryAfterMs).toBeLessThanOrEqual(1000);
      }
    }
    // Another key has its own bucket.
    await expect(limiters[0].take(`${user}-other`)).resolves.toEqual({ allowed: true });
  });
});
