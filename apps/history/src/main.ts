import 'reflect-metadata';
import { loadConfig } from '@switchboard/config';
import { runService } from '@switchboard/service-bootstrap';
import { createHistoryApp } from './app/history-app.module';

runService('history', async () => {
  const config = loadConfig(process.env, 'history');
  const app = await createHistoryApp(config);
  await app.listen(config.port);
  return { url: `http://localhost:${config.port}` };
});
