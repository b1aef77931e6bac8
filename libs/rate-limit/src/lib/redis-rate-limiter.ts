import { RedisConnections } from '@switchboard/redis';
import type Redis from 'ioredis';
import { RateLimiter } from './rate-limiter';
import { TakeResult, TokenBucketPolicy } from './token-bucket';

// The steps of takeToken() on Redis's own clock, so every instance shares one bucket per key.
const TAKE_TOKEN = `
local perSecond = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = burst
if state[1] then
  tokens = math.min(burst, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * perSecond / 1000)
end
local allowed = 0
local retryAfterMs = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retryAfterMs = math.ceil((1 - tokens) * 1000 / perSecond)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / perSecond) + 1000)
return {allowed, retryAfterMs}`;

interface TokenBucketCommands {
  takeToken(key: string, perSecond: number, burst: number): Promise<[number, number]>;
}

/** A token bucket per key in Redis, shared by every instance; an idle bucket expires once full. */
export class RedisRateLimiter extends RateLimiter {
  private readonly redis: Redis & TokenBucketCommands;
  private readonly keyPrefix: string;

  constructor(
    connections: RedisConnections,
    private readonly policy: TokenBucketPolicy,
  ) {
    super();
    // Commands issued in one event-loop turn go out in one write: fewer syscalls per message.
    const redis = connections.open('rate-limit', { batchWrites: true });
    redis.defineCommand('takeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
    this.redis = redis as Redis & TokenBucketCommands;
    this.keyPrefix = connections.keyPrefix;
  }

  async take(key: string): Promise<TakeResult> {
    const [allowed, retryAfterMs] = await this.redis.takeToken(
      `${this.keyPrefix}ratelimit:${key}`,
      this.policy.perSecond,
      this.policy.burst,
    );
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
  }
}
