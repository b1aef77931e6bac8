import { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { listen } from './running-app';
import { signTestToken } from './test-config';
import { WsTestClient } from './ws-test-client';

/** Instances of one application started by `useInstances`, with what specs across instances need. */
export interface Instances {
  readonly apps: INestApplication[];
  /** Each instance's WebSocket URL. */
  readonly urls: string[];
  /** A PostgreSQL client on the test run's database. */
  readonly db: Client;
  /** A WebSocket client of `userId` on instance `instance`, closed after the test. */
  connect(instance: number, userId: string, name?: string): Promise<WsTestClient>;
}

/**
 * For a spec's `describe`: `count` instances of one application on ephemeral ports of 127.0.0.1, as
 * deployed (one Redis, one database), started before the tests and closed after them; WebSocket
 * clients made with `connect` are closed after each test.
 */
export function useInstances(
  count: number,
  create: () => Promise<INestApplication>,
  databaseUrl: string,
): Instances {
  let apps: INestApplication[] = [];
  let urls: string[] = [];
  const db = new Client({ connectionString: databaseUrl });
  const clients: WsTestClient[] = [];

  beforeAll(async () => {
    apps = await Promise.all(Array.from({ length: count }, () => create()));
    urls = (await Promise.all(apps.map(listen))).map((url) => url.ws);
    await db.connect();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await db.end();
    await Promise.all(apps.map((app) => app.close()));
  });

  return {
    get apps() {
      return apps;
    },
    get urls() {
      return urls;
    },
    db,
    connect: async (instance, userId, name = userId) => {
      const client = await WsTestClient.connect(urls[instance], {
        token: signTestToken(userId, name),
      });
      clients.push(client);
      return client;
    },
  };
}
