import type { Server } from 'node:http';
import { SwitchboardConfig } from '@switchboard/config';
import { runService } from '@switchboard/service-bootstrap';
import { createGatewayApp } from './app/gateway-app.module';
import { EarlyListener } from './early-listener';

/** The gateway's config and its port, bound before this module (and the application's) loaded. */
export interface BoundGateway {
  config: SwitchboardConfig;
  early: EarlyListener;
}

/** Starts the gateway on the early-bound port, which serves once the application can answer. */
export function runGateway(bound: Promise<BoundGateway>): void {
  runService('gateway', async () => {
    const { config, early } = await bound;
    const app = await createGatewayApp(config);
    await app.init();
    await early.serve(app.getHttpServer() as Server);
    return { url: `ws://localhost:${config.port}/ws` };
  });
}
