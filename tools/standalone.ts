import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { join } from 'node:path';
import { deriveConfig, loadConfig } from '@switchboard/config';
import { InProcessMessageBus } from '@switchboard/bus';
import { InMemoryPresenceStore } from '@switchboard/presence';
import { InMemoryRateLimiter } from '@switchboard/rate-limit';
import { applyMigrations } from '@switchboard/service-bootstrap';
import { createGatewayApp } from '../apps/gateway/src/app/gateway-app.module';
import { createHistoryApp } from '../apps/history/src/app/history-app.module';
import { createNotificationsApp } from '../apps/notifications/src/app/notifications-app.module';
import { DATA_DIR, loadOrCreateDevSecrets } from './dev-environment';
import { startEmbeddedDatabase } from './embedded-database';
import { WebServer } from './web-server';

/**
 * `npm start`: all three services in one process, zero setup. PostgreSQL is embedded (data in .data/)
 * unless DATABASE_URL is set; the bus, presence and rate limits are in memory unless REDIS_URL is set.
 * The gateway listens on PORT (default 3001), notifications on PORT+1, history on PORT+2, and the
 * demo app (apps/web, with its development token endpoint) on PORT+3, on the loopback interface only:
 * that endpoint signs a token for any user who asks.
 */
async function main(): Promise<void> {
  const secrets = loadOrCreateDevSecrets();
  const embedded = process.env.DATABASE_URL ? null : await startEmbeddedDatabase(DATA_DIR);
  const env = {
    ...process.env,
    DATABASE_URL: embedded?.url ?? process.env.DATABASE_URL,
    JWT_SECRET: process.env.JWT_SECRET || secrets.jwtSecret,
    SERVICE_API_KEY: process.env.SERVICE_API_KEY || secrets.serviceApiKey,
    // Quiet by default so the banner below stays readable; LOG_LEVEL=info shows every request.
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
  };
  const base = loadConfig(env, 'standalone');
  await applyMigrations(
    base.databaseUrl,
    embedded ? 'the embedded PostgreSQL in .data/postgres' : 'DATABASE_URL',
  );
  // Without Redis the three services share one in-memory bus, presence and rate limiter.
  const runtime = base.redisUrl
    ? {}
    : {
        inProcessBus: new InProcessMessageBus(),
        inProcessPresence: new InMemoryPresenceStore(),
        inProcessRateLimiter: new InMemoryRateLimiter(base.rateLimit),
      };
  const appOptions = { shutdownHooks: false };
  const ports = {
    gateway: base.port,
    notifications: base.port + 1,
    history: base.port + 2,
    web: base.port + 3,
  };
  // METRICS_PORT, like PORT, is the gateway's; notifications and history take the next two.
  const serviceConfig = (service: Exclude<keyof typeof ports, 'web'>) => {
    const offset = ports[service] - base.port;
    const { port: metricsPort } = base.metrics;
    return deriveConfig(base, {
      service,
      port: ports[service],
      metrics: { ...base.metrics, port: metricsPort === null ? null : metricsPort + offset },
    });
  };
  const apps: INestApplication[] = [
    await createGatewayApp(serviceConfig('gateway'), runtime, appOptions),
    await createNotificationsApp(serviceConfig('notifications'), runtime, appOptions),
    await createHistoryApp(serviceConfig('history'), runtime, appOptions),
  ];
  await apps[0].listen(ports.gateway);
  await apps[1].listen(ports.notifications);
  await apps[2].listen(ports.history);
  const web = new WebServer({
    appDir: join(__dirname, '../apps/web'),
    ports,
    jwtSecret: base.jwtSecret,
  });
  await web.listen(ports.web, '127.0.0.1');

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nShutting down: closing connections and streams…\n');
    await web.close();
    for (const app of apps) await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  process.stdout.write(
    [
      '',
      'Switchboard is running in one process:',
      `  web app        http://localhost:${ports.web}/   (live dashboard: http://localhost:${ports.web}/dashboard)`,
      `  gateway        ws://localhost:${ports.gateway}/ws`,
      `  notifications  http://localhost:${ports.notifications}/notifications/stream`,
      `  history        http://localhost:${ports.history}/rooms/<room>/messages`,
      `  PostgreSQL     ${embedded ? 'embedded, data in .data/postgres' : 'DATABASE_URL'}; bus, presence and rate limits ${base.redisUrl ? 'on REDIS_URL' : 'in memory'}`,
      '',
      'Get a development token (valid one day):   npm run token -- alice "Alice"',
      `Connect:   npx wscat -c "ws://localhost:${ports.gateway}/ws?access_token=<token>"   then send {"type":"join","room":"lobby"}`,
      `Publish API key (X-Api-Key): ${env.SERVICE_API_KEY === secrets.serviceApiKey ? `${secrets.serviceApiKey}  (from .data/dev-secrets.json)` : 'SERVICE_API_KEY'}`,
      'Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`switchboard: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
