import { DynamicModule, Module } from '@nestjs/common';
import {
  REDIS_CONNECTION_OPTIONS,
  RedisConnectionOptions,
  RedisConnections,
} from './redis-connections';

/**
 * Redis for one application: `RedisConnections`, from which the stores that use Redis make their
 * connections. Import it before those stores' modules: Nest shuts global modules down in reverse
 * import order, so the connections close after the stores are done with them.
 */
@Module({})
export class RedisModule {
  static forRoot(options: RedisConnectionOptions): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [{ provide: REDIS_CONNECTION_OPTIONS, useValue: options }, RedisConnections],
      exports: [RedisConnections],
    };
  }
}
