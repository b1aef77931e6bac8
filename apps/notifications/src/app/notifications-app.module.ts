import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import { serveApiDocs } from '@switchboard/http';
import {
  createServiceApp,
  FoundationOptions,
  ServiceAppOptions,
  ServiceFoundationModule,
} from '@switchboard/service-bootstrap';
import { DashboardModule } from '../dashboard/dashboard.module';
import { NotificationMetricsModule } from '../metrics/notification-metrics';
import { PublishingModule } from '../publishing/publishing.module';
import { ReadStateModule } from '../read-state/read-state.module';
import { StreamsModule } from '../streams/streams.module';

/** The notification service: the foundation (it needs nothing else), its streams and the publish API. */
@Module({})
export class NotificationsAppModule {
  static forRoot(config: SwitchboardConfig, runtime: FoundationOptions = {}): DynamicModule {
    return {
      module: NotificationsAppModule,
      imports: [
        ServiceFoundationModule.forRoot(config, runtime),
        NotificationMetricsModule,
        StreamsModule,
        PublishingModule,
        ReadStateModule,
        DashboardModule,
      ],
    };
  }
}

/** The SSE notification service as one Nest application, ready to `listen`. */
export async function createNotificationsApp(
  config: SwitchboardConfig,
  runtime: FoundationOptions = {},
  appOptions: ServiceAppOptions = {},
): Promise<INestApplication> {
  const app = await createServiceApp(NotificationsAppModule.forRoot(config, runtime), config, {
    // The largest valid publish: 10,000 user ids of up to 255 characters, a 10,000-character body.
    jsonBodyLimit: '4mb',
    ...appOptions,
  });
  await serveApiDocs(app, {
    title: 'Switchboard notification service',
    description:
      'Per-user notification streams (server-sent events, resumable) and the server-to-server publish API.',
  });
  return app;
}
