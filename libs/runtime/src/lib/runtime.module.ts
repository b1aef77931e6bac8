import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from '@switchboard/auth';
import { BusModule, InProcessMessageBus } from '@switchboard/bus';
import { ConfigModule, SwitchboardConfig } from '@switchboard/config';
import { PersistenceModule } from '@switchboard/persistence';
import { InMemoryPresenceStore, PresenceModule } from '@switchboard/presence';
import { InMemoryRateLimiter, RateLimitModule } from '@switchboard/rate-limit';
import { RedisModule } from '@switchboard/redis';
import { HttpErrorFilter } from './http-error.filter';
import { ObservabilityModule } from './observability.module';

/** In-memory stores that the services of one process share when there is no Redis. */
export interface SharedInProcessStores {
  bus: InProcessMessageBus;
  presence: InMemoryPresenceStore;
  rateLimiter: InMemoryRateLimiter;
}

export function createSharedInProcessStores(config: SwitchboardConfig): SharedInProcessStores {
  return {
    bus: new InProcessMessageBus(),
    presence: new InMemoryPresenceStore(),
    rateLimiter: new InMemoryRateLimiter(config.rateLimit),
  };
}

export interface RuntimeOptions {
  /** Single-process mode: apply migrations at start instead of refusing to start on pending ones. */
  runMigrations?: boolean;
  shared?: SharedInProcessStores;
}

/**
 * Everything a Switchboard service runs on, from one validated config: configuration, logs, metrics,
 * health, PostgreSQL, Redis (when configured), the bus, presence, rate limits and JWT auth. Every
 * app imports this once.
 */
@Module({})
export class RuntimeModule {
  static forRoot(config: SwitchboardConfig, options: RuntimeOptions = {}): DynamicModule {
    const { redisUrl, redisKeyPrefix: keyPrefix } = config;
    const shared = options.shared;
    return {
      module: RuntimeModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot({ service: config.service, logLevel: config.logLevel }),
        PersistenceModule.forRoot({
          databaseUrl: config.databaseUrl,
          migrations: options.runMigrations ? 'run' : 'verify',
        }),
        // Before the stores on it: global modules shut down in reverse order, Redis after its users.
        ...(redisUrl ? [RedisModule.forRoot({ url: redisUrl, keyPrefix })] : []),
        BusModule.forRoot(
          redisUrl ? { backend: 'redis' } : { backend: 'memory', shared: shared?.bus },
        ),
        PresenceModule.forRoot(
          redisUrl
            ? { backend: 'redis', heartbeatIntervalMs: config.presenceHeartbeatMs }
            : { backend: 'memory', shared: shared?.presence },
        ),
        RateLimitModule.forRoot(
          redisUrl
            ? { backend: 'redis', policy: config.rateLimit }
            : { backend: 'memory', policy: config.rateLimit, shared: shared?.rateLimiter },
        ),
        AuthModule.forRoot({ jwtSecret: config.jwtSecret }),
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
