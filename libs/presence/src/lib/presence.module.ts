import { DynamicModule, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { RedisConnections } from '@switchboard/redis';
import { InMemoryPresenceStore, PresenceStore } from './presence-store';
import { RedisPresenceStore } from './redis-presence-store';

export type PresenceOptions =
  /** In Redis, on connections from `RedisModule` (imported by the application, before this module). */
  | {
      backend: 'redis';
      /** How often each instance heartbeats; one silent for three intervals is taken for dead. */
      heartbeatIntervalMs: number;
    }
  /** In this process's memory; `shared` is one store for several applications (single-process mode). */
  | { backend: 'memory'; shared?: InMemoryPresenceStore };

@Injectable()
class PresenceLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Presence');

  constructor(private readonly store: PresenceStore) {}

  /** A failed retire (Redis down) must not stop the shutdown: the instance stays listed and is reaped. */
  async onApplicationShutdown(): Promise<void> {
    try {
      await this.store.retire();
    } catch (error) {
      this.logger.warn(
        `could not retire (${(error as Error).message}); the other instances release what this one held`,
      );
    }
  }
}

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
        PresenceLifecycle,
      ],
      exports: [PresenceStore],
    };
  }
}
