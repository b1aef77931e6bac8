import { DynamicModule, Module } from '@nestjs/common';
import { RedisConnections } from '@switchboard/redis';
import { InProcessMessageBus } from './in-process-message-bus';
import { MessageBus } from './message-bus';
import { RedisMessageBus } from './redis-message-bus';

export type BusOptions =
  /** Over Redis pub/sub, on connections from `RedisModule` (imported by the application). */
  | { backend: 'redis' }
  /** In this process: every publisher and subscriber must share it; `shared` is one bus for several applications. */
  | { backend: 'memory'; shared?: InProcessMessageBus };

@Module({})
export class BusModule {
  static forRoot(options: BusOptions): DynamicModule {
    return {
      module: BusModule,
      global: true,
      providers: [
        options.backend === 'redis'
          ? {
              provide: MessageBus,
              inject: [RedisConnections],
              useFactory: (connections: RedisConnections) => new RedisMessageBus(connections),
            }
          : { provide: MessageBus, useValue: options.shared ?? new InProcessMessageBus() },
      ],
      exports: [MessageBus],
    };
  }
}
