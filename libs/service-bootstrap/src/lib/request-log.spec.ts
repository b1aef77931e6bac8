import { Controller, DynamicModule, Get, INestApplication, Module, Req } from '@nestjs/common';
import { ConfigModule, SwitchboardConfig } from '@switchboard/config';
import { HttpConventionsModule } from '@switchboard/http';
import { ObservabilityModule } from '@switchboard/observability';
import { PersistenceModule } from '@switchboard/persistence';
import { listen, testConfig } from '@switchboard/testing';
import { storage } from 'nestjs-pino/storage';
import type { IncomingMessage } from 'node:http';
import { createServiceApp } from './start-service';

@Controller('probe')
class RequestContextProbe {
  /** What a handler sees of the request log: pino-http's logger on the request, and no async context. */
  @Get()
  answer(@Req() request: IncomingMessage & { log?: unknown }): {
    requestLogged: boolean;
    inAsyncContext: boolean;
  } {
    return {
      requestLogged: request.log !== undefined,
      inAsyncContext: storage.getStore() !== undefined,
    };
  }
}

@Module({})
class ProbeAppModule {
  static forRoot(config: SwitchboardConfig): DynamicModule {
    return {
      module: ProbeAppModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot({ service: config.service, logLevel: config.logLevel }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, migrations: 'verify' }),
        HttpConventionsModule,
      ],
      controllers: [RequestContextProbe],
    };
  }
}

describe('request log', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const config = testConfig('history');
    app = await createServiceApp(ProbeAppModule.forRoot(config), config, { shutdownHooks: false });
    base = (await listen(app)).http;
  });

  afterAll(async () => {
    await app.close();
  });

  // An AsyncLocalStorage entered per request turns on an async hook that every promise then pays.
  it('logs each request without running it inside an async context', async () => {
    const response = await fetch(`${base}/probe`);
    expect(await response.json()).toEqual({ requestLogged: true, inAsyncContext: false });
  });
});
