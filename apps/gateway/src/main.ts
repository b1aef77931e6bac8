import 'reflect-metadata';
import { loadConfig } from '@switchboard/config';
import { runService } from '@switchboard/service-bootstrap';
import { createGatewayApp } from './app/gateway-app.module';

runService('gateway', async () => {
  const config = loadConfig(process.env, 'gateway');
  const app = await createGatewayApp(config);
  await app.listen(config.port);
  return { url: `ws://localhost:${config.port}/ws` };
});
