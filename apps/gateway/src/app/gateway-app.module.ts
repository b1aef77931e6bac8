import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import {
  createServiceApp,
  RuntimeModule,
  RuntimeOptions,
  ServiceAppOptions,
} from '@switchboard/runtime';
import { ChatModule } from '../chat/chat.module';
import { ChatWsAdapter } from '../connections/chat-ws.adapter';
import { ConnectionsModule } from '../connections/connections.module';
import { HandshakeAuthenticator } from '../connections/handshake-authenticator';
import { SessionRegistry } from '../connections/session-registry';

@Module({})
export class GatewayAppModule {
  static forRoot(config: SwitchboardConfig, runtime: RuntimeOptions = {}): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [RuntimeModule.forRoot(config, runtime), ConnectionsModule, ChatModule],
    };
  }
}

/** The WebSocket gateway as one Nest application, ready to `listen`. */
export async function createGatewayApp(
  config: SwitchboardConfig,
  runtime: RuntimeOptions = {},
  appOptions: ServiceAppOptions = {},
): Promise<INestApplication> {
  const app = await createServiceApp(GatewayAppModule.forRoot(config, runtime), config, appOptions);
  app.useWebSocketAdapter(
    new ChatWsAdapter(
      app,
      app.get(HandshakeAuthenticator),
      app.get(SessionRegistry),
      config.shutdownGraceMs,
    ),
  );
  return app;
}
