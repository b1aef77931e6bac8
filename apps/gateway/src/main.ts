import 'reflect-metadata';
import type { Server } from 'node:http';
import { LISTEN_BACKLOG, loadConfig, SwitchboardConfig } from '@switchboard/config';
import { EarlyListener } from './early-listener';

/** The config, then the port bound at once, before the application's modules load (EarlyListener). */
async function bindEarly(): Promise<{ config: SwitchboardConfig; early: EarlyListener }> {
  const config = loadConfig(process.env, 'gateway');
  return { config, early: await EarlyListener.listen(config.port, LISTEN_BACKLOG) };
}

const bound = bindEarly();
// Its failure (a bad variable, a port in use) is reported by runService, which loads below.
bound.catch(() => undefined);

void import('@switchboard/service-bootstrap').then(({ runService }) =>
  runService('gateway', async () => {
    const { config, early } = await bound;
    const { createGatewayApp } = await import('./app/gateway-app.module');
    const app = await createGatewayApp(config);
    await app.init();
    await early.serve(app.getHttpServer() as Server);
    return { url: `ws://localhost:${config.port}/ws` };
  }),
);
