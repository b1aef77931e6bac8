export { RateLimitModule } from './lib/rate-limit.module';
export type { RateLimitOptions } from './lib/rate-limit.module';
export { Clock, InMemoryRateLimiter, RateLimiter } from './lib/rate-limiter';
export { RedisRateLimiter } from './lib/redis-rate-limiter';
export { takeToken } from './lib/token-bucket';
export type { BucketState, TakeResult, TokenBucketPolicy } from './lib/token-bucket';
