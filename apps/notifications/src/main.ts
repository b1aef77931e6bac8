import 'reflect-metadata';
import { loadConfig } from '@switchboard/config';
import { runService } from '@switchboard/service-bootstrap';
import { createNotificationsApp } from './app/notifications-app.module';

runService('notifications', async () => {
  const config = loadConfig(process.env, 'notifications');
  const app = await createNotificationsApp(config);
  await app.listen(config.port);
  return { url: `http://localhost:${config.port}` };
});
