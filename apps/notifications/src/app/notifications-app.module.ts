import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import {
  createServiceApp,
  RuntimeModule,
  RuntimeOptions,
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
  return createServiceApp(NotificationsAppModule.forRoot(config, runtime), config, appOptions);
}
