import { DynamicModule, Module } from '@nestjs/common';
import {
  REDIS_CONNECTION_OPTIONS,
  RedisConnectionOptions,
  RedisConnections,
} from './redis-connections';

/**
 * Redis for one application: `RedisConnections`, from which the stores that use Redis make their
 * connections; what a store must still send at shutdown it hands to `RedisConnections.beforeClose`.
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
