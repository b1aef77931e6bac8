import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { SwitchboardConfig } from '@switchboard/config';
import {
  createServiceApp,
  RuntimeModule,
  RuntimeOptions,
  serveApiDocs,
  ServiceAppOptions,
} from '@switchboard/runtime';
import { MessagesModule } from '../messages/messages.module';

@Module({})
export class HistoryAppModule {
  static forRoot(config: SwitchboardConfig, runtime: RuntimeOptions = {}): DynamicModule {
    return {
      module: HistoryAppModule,
      imports: [RuntimeModule.forRoot(config, runtime), MessagesModule],
    };
  }
}

/** The history HTTP API as one Nest application, ready to `listen`. */
export async function createHistoryApp(
  config: SwitchboardConfig,
  runtime: RuntimeOptions = {},
  appOptions: ServiceAppOptions = {},
): Promise<INestApplication> {
  const app = await createServiceApp(HistoryAppModule.forRoot(config, runtime), config, appOptions);
  serveApiDocs(app, {
    title: 'Switchboard history API',
    description:
      "A room's messages page by page, and sending into a room over HTTP. JWT bearer auth.",
  });
  return app;
}
