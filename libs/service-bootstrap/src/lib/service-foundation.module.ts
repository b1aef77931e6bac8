import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@switchboard/auth';
import { BusModule, InProcessMessageBus } from '@switchboard/bus';
import { ConfigModule, SwitchboardConfig } from '@switchboard/config';
import { HttpConventionsModule } from '@switchboard/http';
import { ObservabilityModule } from '@switchboard/observability';
import { PersistenceModule } from '@switchboard/persistence';
import { RedisModule } from '@switchboard/redis';

export interface FoundationOptions {
  /** Single-process mode: apply migrations at start instead of refusing to start on pending ones. */
  runMigrations?: boolean;
  /** Single-process mode without Redis: the bus every service of the process shares. */
  inProcessBus?: InProcessMessageBus;
  /** Verified tokens the service answers from memory (AuthOptions.verifiedTokensKept). */
  verifiedTokensKept?: number;
}

/**
 * What every Switchboard service runs on, from one validated config: the config itself, logs, metrics
 * and health, PostgreSQL, the HTTP conventions, Redis (when REDIS_URL is set), the bus and JWT auth.
 * A service adds what only it uses (presence, rate limits) after this module: Redis is registered
 * first, so it shuts down after the stores on it (Nest shuts global modules down in reverse order).
 */
@Module({})
export class ServiceFoundationModule {
  static forRoot(config: SwitchboardConfig, options: FoundationOptions = {}): DynamicModule {
    const { redisUrl, redisKeyPrefix: keyPrefix } = config;
    return {
      module: ServiceFoundationModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot({ service: config.service, logLevel: config.logLevel }),
        PersistenceModule.forRoot({
          databaseUrl: config.databaseUrl,
          migrations: options.runMigrations ? 'run' : 'verify',
        }),
        HttpConventionsModule,
        ...(redisUrl ? [RedisModule.forRoot({ url: redisUrl, keyPrefix })] : []),
        BusModule.forRoot(
          redisUrl ? { backend: 'redis' } : { backend: 'memory', shared: options.inProcessBus },
        ),
        AuthModule.forRoot({
          jwtSecret: config.jwtSecret,
          verifiedTokensKept: options.verifiedTokensKept,
        }),
      ],
    };
  }
}
