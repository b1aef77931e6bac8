import { DynamicModule, Module } from '@nestjs/common';
import { RedisConnections } from '@switchboard/redis';
import { InMemoryRateLimiter, RateLimiter } from './rate-limiter';
import { RedisRateLimiter } from './redis-rate-limiter';
import { TokenBucketPolicy } from './token-bucket';

export type RateLimitOptions =
  /** In Redis, one bucket per key for every instance, on connections from `RedisModule` (imported by the application). */
  | { backend: 'redis'; policy: TokenBucketPolicy }
  /** In this process's memory; `shared` is one limiter for several applications (single-process mode). */
  | { backend: 'memory'; policy: TokenBucketPolicy; shared?: InMemoryRateLimiter };

@Module({})
export class RateLimitModule {
  static forRoot(options: RateLimitOptions): DynamicModule {
    return {
      module: RateLimitModule,
      global: true,
      providers: [
        options.backend === 'redis'
          ? {
              provide: RateLimiter,
              inject: [RedisConnections],
              useFactory: (connections: RedisConnections) =>
                new RedisRateLimiter(connections, options.policy),
            }
          : {
              provide: RateLimiter,
              useValue: options.shared ?? new InMemoryRateLimiter(options.policy),
            },
      ],
      exports: [RateLimiter],
    };
  }
}
