import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import {
  createServiceApp,
  RuntimeModule,
  RuntimeOptions,
  serveApiDocs,
  ServiceAppOptions,
} from '@switchboard/runtime';
import { PublishingModule } from '../publishing/publishing.module';
import { StreamsModule } from '../streams/streams.module';

@Module({})
export class NotificationsAppModule {
  static forRoot(config: SwitchboardConfig, runtime: RuntimeOptions = {}): DynamicModule {
    return {
      module: NotificationsAppModule,
      imports: [RuntimeModule.forRoot(config, runtime), StreamsModule, PublishingModule],
    };
  }
}

/** The SSE notification service as one Nest application, ready to `listen`. */
export async function createNotificationsApp(
  config: SwitchboardConfig,
  runtime: RuntimeOptions = {},
  appOptions: ServiceAppOptions = {},
): Promise<INestApplication> {
  const app = await createServiceApp(NotificationsAppModule.forRoot(config, runtime), config, {
    // The largest valid publish: 10,000 user ids of up to 255 characters, a 10,000-character body.
    jsonBodyLimit: '4mb',
    ...appOptions,
  });
  serveApiDocs(app, {
    title: 'Switchboard notification service',
    description:
      'Per-user notification streams (server-sent events, resumable) and the server-to-server publish API.',
  });
  return app;
}
