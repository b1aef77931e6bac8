import { DynamicModule, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { InMemoryPresenceStore, PresenceStore } from './presence-store';
import { RedisPresenceStore } from './redis-presence-store';

export interface PresenceOptions {
  redisUrl: string | null;
  keyPrefix: string;
  /** How often each instance heartbeats; one silent for three intervals is taken for dead. */
  heartbeatIntervalMs: number;
  /** Share one in-memory store between applications of one process (single-process mode). */
  inMemoryStore?: InMemoryPresenceStore;
}

@Injectable()
class PresenceLifecycle implements OnApplicationShutdown {
  constructor(private readonly store: PresenceStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.retire();
    if (this.store instanceof RedisPresenceStore) await this.store.close();
  }
}

@Module({})
export class PresenceModule {
  static forRoot(options: PresenceOptions): DynamicModule {
    return {
      module: PresenceModule,
      global: true,
      providers: [
        {
          provide: PresenceStore,
          useFactory: () =>
            options.redisUrl
              ? new RedisPresenceStore(
                  options.redisUrl,
                  options.keyPrefix,
                  options.heartbeatIntervalMs,
                )
              : (options.inMemoryStore ?? new InMemoryPresenceStore()),
        },
        PresenceLifecycle,
      ],
      exports: [PresenceStore],
    };
  }
}
