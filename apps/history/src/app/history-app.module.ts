import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import { serveApiDocs } from '@switchboard/http';
import { InMemoryPresenceStore, PresenceModule } from '@switchboard/presence';
import { InMemoryRateLimiter, RateLimitModule } from '@switchboard/rate-limit';
import {
  createServiceApp,
  FoundationOptions,
  ServiceAppOptions,
  ServiceFoundationModule,
} from '@switchboard/service-bootstrap';
import { MessagesModule } from '../messages/messages.module';
import { RoomsModule } from '../rooms/rooms.module';

/**
 * Single-process mode without Redis also shares the rate limits (HTTP sends take the same tokens) and
 * presence (an HTTP send tells the members who are away, like a WebSocket send).
 */
export interface HistoryRuntime extends FoundationOptions {
  inProcessRateLimiter?: InMemoryRateLimiter;
  inProcessPresence?: InMemoryPresenceStore;
}

/** The history API: the foundation, rate limits for sends, its messages, and rooms' access and members. */
@Module({})
export class HistoryAppModule {
  static forRoot(config: SwitchboardConfig, runtime: HistoryRuntime = {}): DynamicModule {
    return {
      module: HistoryAppModule,
      imports: [
        ServiceFoundationModule.forRoot(config, runtime),
        // Read only (who is online, who is in a room): this service holds no connections.
        PresenceModule.forRoot(
          config.redisUrl !== null
            ? { backend: 'redis', heartbeatIntervalMs: config.presenceHeartbeatMs }
            : { backend: 'memory', shared: runtime.inProcessPresence },
        ),
        RateLimitModule.forRoot(
          config.redisUrl !== null
            ? { backend: 'redis', policy: config.rateLimit }
            : { backend: 'memory', policy: config.rateLimit, shared: runtime.inProcessRateLimiter },
        ),
        MessagesModule,
        RoomsModule,
      ],
    };
  }
}

/** The history HTTP API as one Nest application, ready to `listen`. */
export async function createHistoryApp(
  config: SwitchboardConfig,
  runtime: HistoryRuntime = {},
  appOptions: ServiceAppOptions = {},
): Promise<INestApplication> {
  const app = await createServiceApp(HistoryAppModule.forRoot(config, runtime), config, {
    ...appOptions,
    platform: 'fastify',
  });
  await serveApiDocs(app, {
    title: 'Switchboard history API',
    description:
      "A room's messages page by page, sending into a room over HTTP, direct rooms (JWT bearer auth), " +
      'and rooms and their members (the service key, or a room admin).',
  });
  return app;
}
