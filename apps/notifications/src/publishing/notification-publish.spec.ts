import { INestApplication } from '@nestjs/common';
import { listen, TEST_SERVICE_API_KEY, testConfig } from '@switchboard/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createNotificationsApp } from '../app/notifications-app.module';

describe('publishing notifications: what PostgreSQL cannot store is refused, not a 500', () => {
  let app: INestApplication;
  let base: string;
  let db: Client;

  const newUser = () => `user-${randomBytes(5).toString('hex')}`;

  async function publish(body: unknown) {
    const response = await fetch(`${base}/notifications`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': TEST_SERVICE_API_KEY },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function stored(userId: string) {
    const { rows } = await db.query<{ type: string; title: string; body: string; data: unknown }>(
      'SELECT type, title, body, data FROM notifications WHERE user_id = $1',
      [userId],
    );
    return rows;
  }

  beforeAll(async () => {
    const config = testConfig('notifications');
    app = await createNotificationsApp(config, {}, { shutdownHooks: false });
    base = (await listen(app)).http;
    db = new Client({ connectionString: config.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await app.close();
  });

  it.each([
    ['type', { type: 'mention\u0000' }],
    ['title', { title: 'a\u0000b' }],
    ['body', { body: '\u0000' }],
    ['a string in data', { data: { list: ['x\u0000'] } }],
    ['a key in data', { data: { 'k\u0000': 1 } }],
  ])('answers 400 invalid_body to NUL in %s, and stores nothing', async (_label, change) => {
    const user = newUser();
    const response = await publish({
      userIds: [user],
      type: 't',
      title: 't',
      body: 'b',
      ...change,
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'invalid_body' });
    expect(await stored(user)).toEqual([]);
  });

  it('answers 400 invalid_body to a control character in a user id, and stores nothing', async () => {
    const user = newUser();
    for (const bad of [`${user}\u0000`, `${user}\n`]) {
      const response = await publish({ userIds: [user, bad], type: 't', title: 't', body: 'b' });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'invalid_body' });
    }
    expect(await stored(user)).toEqual([]);
  });

  it('stores other control characters in title, body and data exactly as sent', async () => {
    const user = newUser();
    const content = {
      type: 'digest',
      title: 'a\tb',
      body: 'line 1\r\nline 2\u0007',
      data: { esc: '\u001b[1m' },
    };
    const response = await publish({ userIds: [user], ...content });
    expect(response.status).toBe(202);
    expect(await stored(user)).toEqual([content]);
  });
});
