import { INestApplication, LoggerService } from '@nestjs/common';
import { InProcessMessageBus, MessageBus } from '@switchboard/bus';
import { deriveConfig } from '@switchboard/config';
import { NotificationPublisher } from '@switchboard/messaging';
import { NotificationStore } from '@switchboard/persistence';
import {
  freePort,
  listen,
  OwnRedisServer,
  signTestToken,
  SseTestClient,
  TEST_SERVICE_API_KEY,
  testConfig,
  waitFor,
} from '@switchboard/testing';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createNotificationsApp } from './notifications-app.module';

/** Every line the application logs through Nest's Logger. */
class RecordedLogs implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  log = (message: string) => this.lines.push({ level: 'log', message });
  warn = (message: string) => this.lines.push({ level: 'warn', message });
  error = (message: string) => this.lines.push({ level: 'error', message });
  debug = (message: string) => this.lines.push({ level: 'debug', message });
  verbose = (message: string) => this.lines.push({ level: 'verbose', message });

  about(pattern: RegExp): string[] {
    return this.lines
      .filter((line) => pattern.test(line.message))
      .map((line) => `${line.level} ${line.message}`);
  }
}

const newUser = () => `user-${randomBytes(5).toString('hex')}`;

async function readiness(base: string): Promise<{ status: number; redis: unknown }> {
  const response = await fetch(`${base}/health/ready`);
  const body = (await response.json()) as { details?: { redis?: unknown } };
  return { status: response.status, redis: body.details?.redis };
}

async function notify(base: string, userIds: string[], title: string): Promise<void> {
  const response = await fetch(`${base}/notifications`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Api-Key': TEST_SERVICE_API_KEY },
    body: JSON.stringify({ userIds, type: 'test', title, body: title }),
  });
  expect(response.status).toBe(202);
}

async function openStream(base: string, userId: string): Promise<SseTestClient> {
  return SseTestClient.open(`${base}/notifications/stream`, {
    Authorization: `Bearer ${signTestToken(userId)}`,
  });
}

/** The titles of the stream's notifications, once its ids are checked to grow. */
function titles(stream: SseTestClient): string[] {
  const ids = stream.events.map(({ id }) => BigInt(id ?? 0));
  expect(ids.every((id, n) => n === 0 || id > ids[n - 1])).toBe(true);
  return stream.events.map(({ data }) => (JSON.parse(data) as { title: string }).title);
}

/**
 * On the instance at `base`: `before` is delivered, `cutOff` loses the bus, `during` is published
 * while it is away (by `publishDuring`, else through that instance's API), then `after`: the stream
 * must hold the three once, in order, whatever catch-ups ran.
 */
async function expectNothingLostAround(
  base: string,
  streams: SseTestClient[],
  {
    cutOff,
    reconnect,
    publishDuring,
  }: {
    cutOff: () => Promise<void>;
    reconnect: () => Promise<void>;
    publishDuring?: (user: string) => Promise<void>;
  },
): Promise<void> {
  const user = newUser();
  const stream = await openStream(base, user);
  streams.push(stream);
  await notify(base, [user], 'before');
  await stream.waitForEvents(1);

  await cutOff();
  await (publishDuring ?? ((user) => notify(base, [user], 'during')))(user);
  await reconnect();
  await stream.waitForEvents(2);
  await notify(base, [user], 'after');
  await stream.waitForEvents(3);
  // Nothing comes twice, however many catch-ups ran.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(titles(stream)).toEqual(['before', 'during', 'after']);
}

describe('notification service and Redis', () => {
  // ioredis 5.8.2+ could send the bus SUBSCRIBE, issued at bootstrap, during its connect handshake
  // and leave the instance deaf to live notifications: every instance started at once must hear them.
  it('delivers live on every one of many instances started at once', async () => {
    const config = testConfig('notifications');
    const apps: INestApplication[] = [];
    const streams: SseTestClient[] = [];
    try {
      const bases = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const app = await createNotificationsApp(config, {}, { shutdownHooks: false });
          apps.push(app);
          return (await listen(app)).http;
        }),
      );
      const users = bases.map(newUser);
      for (const [n, base] of bases.entries()) streams.push(await openStream(base, users[n]));
      await notify(bases[0], users, 'live at start');
      const deaf: number[] = [];
      await Promise.all(
        streams.map((stream, n) => stream.waitForEvents(1, 3_000).catch(() => deaf.push(n))),
      );
      expect(deaf).toEqual([]);
    } finally {
      for (const stream of streams) stream.close();
      await Promise.all(apps.map((app) => app.close()));
    }
  }, 30_000);

  it('does not start while Redis is unreachable: one line naming REDIS_URL, no warning or error logged', async () => {
    const port = await freePort();
    const app = await createNotificationsApp(
      testConfig('notifications', { REDIS_URL: `redis://127.0.0.1:${port}` }),
      {},
      { shutdownHooks: false },
    );
    const logs = new RecordedLogs();
    app.useLogger(logs);
    const consoleErrors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await expect(listen(app)).rejects.toThrow(
        new Error(`cannot reach Redis at REDIS_URL: connect ECONNREFUSED 127.0.0.1:${port}`),
      );
      expect(logs.lines.filter((line) => line.level !== 'log')).toEqual([]);
      expect(consoleErrors).not.toHaveBeenCalled();
    } finally {
      consoleErrors.mockRestore();
      await app.close();
    }
  });

  it('without REDIS_URL (single-process mode) checks PostgreSQL only for readiness', async () => {
    const config = deriveConfig(testConfig('notifications'), { redisUrl: null });
    const app = await createNotificationsApp(
      config,
      { inProcessBus: new InProcessMessageBus() },
      { shutdownHooks: false },
    );
    try {
      const response = await fetch(`${(await listen(app)).http}/health/ready`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { details: unknown }).details).toEqual({
        database: { status: 'up' },
      });
    } finally {
      await app.close();
    }
  });

  it('reports Redis in readiness, logs an outage once per connection, delivers live after it, and shuts down while it is down', async () => {
    const server = new OwnRedisServer(await freePort());
    await server.start();
    const app = await createNotificationsApp(
      testConfig('notifications', { REDIS_URL: server.url }),
      {},
      { shutdownHooks: false },
    );
    const logs = new RecordedLogs();
    app.useLogger(logs);
    const consoleErrors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const streams: SseTestClient[] = [];
    let closed = false;
    try {
      const base = (await listen(app)).http;
      expect(await readiness(base)).toEqual({ status: 200, redis: { status: 'up' } });
      const user = newUser();
      streams.push(await openStream(base, user));

      await server.kill();
      await waitFor(async () => (await readiness(base)).status === 503, 'readiness to fail');
      expect((await readiness(base)).redis).toEqual({
        status: 'down',
        message: expect.stringMatching(/^connection \S+ is /),
      });
      // Every connection the service holds (the bus's two: it needs no presence or rate limit) is
      // lost once, however many retries.
      await waitFor(() => logs.about(/lost/).length >= 2, 'each connection to be lost');

      await server.start();
      await waitFor(async () => (await readiness(base)).status === 200, 'readiness to pass again');
      for (const name of ['bus-publisher', 'bus-subscriber']) {
        expect(logs.about(new RegExp(`^connection ${name} `))).toEqual([
          expect.stringMatching(
            new RegExp(`^warn connection ${name} lost \\(.+\\); reconnecting$`),
          ),
          expect.stringMatching(new RegExp(`^log connection ${name} recovered after [\\d.]+ s$`)),
        ]);
      }
      expect(logs.about(/^connection /)).toHaveLength(4);
      expect(consoleErrors).not.toHaveBeenCalled();

      // The bus subscription came back with the connection: a stream opened before the outage hears live.
      const stream = streams[0];
      await notify(base, [user], 'after the outage');
      await expect(stream.waitForEvents(1)).resolves.toEqual([
        expect.objectContaining({ data: expect.stringContaining('"title":"after the outage"') }),
      ]);

      // Shutdown with Redis gone: nothing waits on it for ever, nothing fails.
      await server.kill();
      await waitFor(async () => (await readiness(base)).status === 503, 'readiness to fail again');
      for (const open of streams) open.close();
      closed = true;
      await app.close();
      expect(consoleErrors).not.toHaveBeenCalled();
    } finally {
      consoleErrors.mockRestore();
      for (const open of streams) open.close();
      if (!closed) await app.close();
      await server.kill();
    }
  }, 30_000);

  describe('notifications published while the bus is lost', () => {
    let server: OwnRedisServer;
    let app: INestApplication;
    let base: string;
    const streams: SseTestClient[] = [];

    beforeEach(async () => {
      server = new OwnRedisServer(await freePort());
      await server.start();
      app = await createNotificationsApp(
        testConfig('notifications', { REDIS_URL: server.url }),
        {},
        { shutdownHooks: false },
      );
      app.useLogger(new RecordedLogs());
      base = (await listen(app)).http;
    });

    afterEach(async () => {
      for (const stream of streams.splice(0)) stream.close();
      await app.close();
      await server.kill();
    });

    it('reach an open stream once, in order, when Redis is back (the announcement itself failed)', async () => {
      // `during` is stored (202) though the bus cannot take its announcement.
      await expectNothingLostAround(base, streams, {
        cutOff: () => server.kill(),
        reconnect: () => server.start(),
      });
    }, 30_000);

    it('reach an open stream once, in order, when only its subscriber connection was lost', async () => {
      // The publisher connection stays up: the announcement is made while the subscriber reconnects.
      await expectNothingLostAround(base, streams, {
        cutOff: async () => {
          const admin = new Redis(server.url);
          await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
          await admin.quit();
        },
        reconnect: async () => undefined,
      });
    }, 30_000);
  });

  // On the Redis every instance of this test run shares: any instance's sweep may settle the owed
  // announcement, and this one hears it on the same bus, as in a deployment.
  describe('notifications published by an instance cut off from Redis', () => {
    let app: INestApplication;
    let base: string;
    const streams: SseTestClient[] = [];

    beforeAll(async () => {
      app = await createNotificationsApp(testConfig('notifications'), {}, { shutdownHooks: false });
      base = (await listen(app)).http;
    });

    afterAll(async () => {
      for (const stream of streams.splice(0)) stream.close();
      await app.close();
    });

    it('reach an open stream once, in order, without another publish', async () => {
      // That instance stored `during` and could not announce it: a sweep settles what it owes.
      const cutOffInstance = new NotificationPublisher(app.get(NotificationStore), {
        publish: () => Promise.reject(new Error('Redis unreachable')),
      } as unknown as MessageBus);
      await expectNothingLostAround(base, streams, {
        cutOff: async () => undefined,
        reconnect: async () => undefined,
        publishDuring: async (user) => {
          await cutOffInstance.publish([user], { type: 'test', title: 'during', body: 'during' });
        },
      });
    });
  });
});
