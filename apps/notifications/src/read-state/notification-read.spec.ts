import { INestApplication } from '@nestjs/common';
import { NotificationReadState } from '@switchboard/protocol';
import {
  listen,
  signTestToken,
  SseTestClient,
  TEST_SERVICE_API_KEY,
  testConfig,
} from '@switchboard/testing';
import { randomBytes } from 'node:crypto';
import { createNotificationsApp } from '../app/notifications-app.module';

// Two notification instances on one Redis and one database.
describe('notification read state, two instances', () => {
  let apps: INestApplication[];
  let bases: string[];
  const streams: SseTestClient[] = [];

  const newUser = () => `user-${randomBytes(5).toString('hex')}`;
  const bearer = (userId: string) => ({ Authorization: `Bearer ${signTestToken(userId)}` });

  async function notify(userId: string): Promise<string> {
    const response = await fetch(`${bases[0]}/notifications`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': TEST_SERVICE_API_KEY },
      body: JSON.stringify({ userIds: [userId], type: 'test', title: 't', body: 'b' }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { ids: string[] }).ids[0];
  }

  async function unread(instance: number, userId: string, headers = bearer(userId)) {
    const response = await fetch(`${bases[instance]}/notifications/unread`, { headers });
    return { status: response.status, body: await response.json() };
  }

  async function markRead(
    instance: number,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${bases[instance]}/notifications/read`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function open(instance: number, userId: string): Promise<SseTestClient> {
    const stream = await SseTestClient.open(
      `${bases[instance]}/notifications/stream`,
      bearer(userId),
    );
    streams.push(stream);
    return stream;
  }

  const readEvents = (stream: SseTestClient) =>
    stream.events
      .filter((event) => event.event === 'read')
      .map((event) => JSON.parse(event.data) as NotificationReadState);

  beforeAll(async () => {
    const config = testConfig('notifications');
    apps = await Promise.all(
      [0, 1].map(() => createNotificationsApp(config, {}, { shutdownHooks: false })),
    );
    bases = (await Promise.all(apps.map(listen))).map((url) => url.http);
  });

  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  it('counts unread notifications and marks them read forward only', async () => {
    const ada = newUser();
    expect(await unread(0, ada)).toEqual({ status: 200, body: { lastReadId: '0', unread: 0 } });
    const first = await notify(ada);
    const second = await notify(ada);
    await notify(ada);
    expect(await unread(1, ada)).toEqual({ status: 200, body: { lastReadId: '0', unread: 3 } });

    expect(await markRead(1, { lastReadId: second }, bearer(ada))).toEqual({
      status: 200,
      body: { lastReadId: second, unread: 1 },
    });
    // Never back.
    expect(await markRead(0, { lastReadId: first }, bearer(ada))).toEqual({
      status: 200,
      body: { lastReadId: second, unread: 1 },
    });
    expect(await unread(0, ada)).toEqual({
      status: 200,
      body: { lastReadId: second, unread: 1 },
    });
  });

  it("tells every stream of the user, on every instance, with event: read that keeps the stream's resume id", async () => {
    const ada = newUser();
    const bob = newUser();
    const [adaHere, adaThere, bobs] = [await open(0, ada), await open(1, ada), await open(1, bob)];
    const id = await notify(ada);
    await adaHere.waitForEvents(1);
    await adaThere.waitForEvents(1);

    await markRead(0, { lastReadId: id }, bearer(ada));
    for (const stream of [adaHere, adaThere]) {
      const [, read] = await stream.waitForEvents(2);
      expect(read).toEqual({ event: 'read', data: JSON.stringify({ lastReadId: id, unread: 0 }) });
      expect(read.id).toBeUndefined();
    }
    // Nothing moves on a repeat: no second read event (a later notification comes right after the first).
    await markRead(1, { lastReadId: id }, bearer(ada));
    await notify(ada);
    await adaThere.waitForEvents(3);
    expect(adaThere.events.map((event) => event.event)).toEqual([
      'notification',
      'read',
      'notification',
    ]);
    expect(readEvents(adaHere)).toHaveLength(1);
    expect(bobs.events).toEqual([]);
  });

  it.each([
    ['a missing lastReadId', {}],
    ['a number', { lastReadId: 5 }],
    ['a negative id', { lastReadId: '-1' }],
    ['an id past 64 bits', { lastReadId: '1'.repeat(19) }],
    ['an unknown field', { lastReadId: '1', extra: true }],
  ])('answers 400 invalid_body to %s, and moves nothing', async (_label, body) => {
    const ada = newUser();
    await notify(ada);
    const response = await markRead(0, body, bearer(ada));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'invalid_body' });
    expect((await unread(0, ada)).body).toEqual({ lastReadId: '0', unread: 1 });
  });

  it('answers 400 invalid_json to a body that is not JSON', async () => {
    const response = await markRead(0, '{"lastReadId":', bearer(newUser()));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'invalid_json' });
  });

  it('refuses both without a valid token (401)', async () => {
    expect((await unread(0, 'ada', {} as ReturnType<typeof bearer>)).status).toBe(401);
    const noToken = await markRead(0, { lastReadId: '1' }, {});
    expect(noToken.status).toBe(401);
    const apiKeyOnly = await markRead(
      0,
      { lastReadId: '1' },
      { 'X-Api-Key': TEST_SERVICE_API_KEY },
    );
    expect(apiKeyOnly.status).toBe(401);
  });
});
