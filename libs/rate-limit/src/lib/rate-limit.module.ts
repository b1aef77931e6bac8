import { DynamicModule, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { InMemoryRateLimiter, RateLimiter } from './rate-limiter';
import { RedisRateLimiter } from './redis-rate-limiter';
import { TokenBucketPolicy } from './token-bucket';

export interface RateLimitOptions {
  redisUrl: string | null;
  keyPrefix: string;
  policy: TokenBucketPolicy;
  /** Share one in-memory limiter between applications of one process (single-process mode). */
  inMemoryLimiter?: InMemoryRateLimiter;
}

@Injectable()
class RateLimiterLifecycle implements OnApplicationShutdown {
  constructor(private readonly limiter: RateLimiter) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.limiter instanceof RedisRateLimiter) await this.limiter.close();
  }
}

@Module({})
export class RateLimitModule {
  static forRoot(options: RateLimitOptions): DynamicModule {
    return {
      module: RateLimitModule,
      global: true,
      providers: [
        {
          provide: RateLimiter,
          useFactory: () =>
            options.redisUrl
              ? new RedisRateLimiter(options.redisUrl, options.keyPrefix, options.policy)
              : (options.inMemoryLimiter ?? new InMemoryRateLimiter(options.policy)),
        },
        RateLimiterLifecycle,
      ],
      exports: [RateLimiter],
    };
  }
}
