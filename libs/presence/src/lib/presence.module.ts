import { DynamicModule, Module } from '@nestjs/common';
import { RedisConnections } from '@switchboard/redis';
import { InMemoryPresenceStore, PresenceStore } from './presence-store';
import { RedisPresenceStore } from './redis-presence-store';

export type PresenceOptions =
  /** In Redis, on connections from `RedisModule` (imported by the application). */
  | {
      backend: 'redis';
      /** How often each instance heartbeats; one silent for three intervals is taken for dead. */
      heartbeatIntervalMs: number;
    }
  /** In this process's memory; `shared` is one store for several applications (single-process mode). */
  | { backend: 'memory'; shared?: InMemoryPresenceStore };

@Module({})
export class PresenceModule {
  static forRoot(options: PresenceOptions): DynamicModule {
    return {
      module: PresenceModule,
      global: true,
      providers: [
        options.backend === 'redis'
          ? {
              provide: PresenceStore,
              inject: [RedisConnections],
              useFactory: (connections: RedisConnections) =>
                new RedisPresenceStore(connections, options.heartbeatIntervalMs),
            }
          : { provide: PresenceStore, useValue: options.shared ?? new InMemoryPresenceStore() },
      ],
      exports: [PresenceStore],
    };
  }
}
