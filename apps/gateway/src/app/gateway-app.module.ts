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
import { ChatGateway } from '../chat/chat.gateway';
import { ChatModule } from '../chat/chat.module';
import { ChatWsAdapter } from '../connections/chat-ws.adapter';
import { ConnectionsModule } from '../connections/connections.module';
import { HandshakeAuthenticator } from '../connections/handshake-authenticator';
import { SessionRegistry } from '../connections/session-registry';
import { GatewayMetricsModule } from '../metrics/gateway-metrics';
import { describeProtocolDocs } from '../protocol-docs/protocol-docs.controller';
import { ProtocolDocsModule } from '../protocol-docs/protocol-docs.module';

/** Single-process mode without Redis also shares presence and rate limits between the services. */
export interface GatewayRuntime extends FoundationOptions {
  inProcessPresence?: InMemoryPresenceStore;
  inProcessRateLimiter?: InMemoryRateLimiter;
}

/** The gateway: the foundation, presence and rate limits, and its connections and chat. */
@Module({})
export class GatewayAppModule {
  static forRoot(config: SwitchboardConfig, runtime: GatewayRuntime = {}): DynamicModule {
    const redis = config.redisUrl !== null;
    return {
      module: GatewayAppModule,
      imports: [
        // A connection's token is verified once, at its handshake: a cache would hold an entry per
        // connection (~150 B) to save the rare reconnect to this same instance ~35 µs.
        ServiceFoundationModule.forRoot(config, { ...runtime, verifiedTokensKept: 0 }),
        PresenceModule.forRoot(
          redis
            ? { backend: 'redis', heartbeatIntervalMs: config.presenceHeartbeatMs }
            : { backend: 'memory', shared: runtime.inProcessPresence },
        ),
        RateLimitModule.forRoot(
          redis
            ? { backend: 'redis', policy: config.rateLimit }
            : { backend: 'memory', policy: config.rateLimit, shared: runtime.inProcessRateLimiter },
        ),
        GatewayMetricsModule,
        ConnectionsModule,
        ChatModule,
        ProtocolDocsModule,
      ],
    };
  }
}

/** The WebSocket gateway as one Nest application, ready to `listen`. */
export async function createGatewayApp(
  config: SwitchboardConfig,
  runtime: GatewayRuntime = {},
  appOptions: ServiceAppOptions = {},
): Promise<INestApplication> {
  const app = await createServiceApp(GatewayAppModule.forRoot(config, runtime), config, appOptions);
  await serveApiDocs(app, {
    title: 'Switchboard gateway',
    description:
      'The WebSocket protocol (`/ws`) is described in AsyncAPI at `/asyncapi.json`; over HTTP the gateway answers health and metrics.',
    describe: describeProtocolDocs,
  });
  app.useWebSocketAdapter(
    new ChatWsAdapter(
      app,
      app.get(HandshakeAuthenticator),
      app.get(SessionRegistry),
      config.shutdownGraceMs,
      app.get(ChatGateway),
    ),
  );
  return app;
}
