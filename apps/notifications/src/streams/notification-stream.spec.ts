import { INestApplication } from '@nestjs/common';
import { Notification } from '@switchboard/protocol';
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
describe('notification service, two instances', () => {
  let apps: INestApplication[];
  let bases: string[];
  const streams: SseTestClient[] = [];

  const newUser = () => `user-${randomBytes(5).toString('hex')}`;
  const bearer = (userId: string) => ({ Authorization: `Bearer ${signTestToken(userId)}` });

  async function publish(instance: number, body: unknown, key = TEST_SERVICE_API_KEY) {
    const response = await fetch(`${bases[instance]}/notifications`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': key },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function notify(instance: number, userIds: string[], title: string): Promise<string[]> {
    const { status, body } = await publish(instance, {
      userIds,
      type: 'test',
      title,
      body: `body of ${title}`,
      data: { title },
    });
    expect(status).toBe(202);
    return body.ids as string[];
  }

  async function open(
    instance: number,
    userId: string,
    headers: Record<string, string> = {},
    query = '',
  ): Promise<SseTestClient> {
    const stream = await SseTestClient.open(`${bases[instance]}/notifications/stream${query}`, {
      ...bearer(userId),
      ...headers,
    });
    streams.push(stream);
    return stream;
  }

  const titles = (stream: SseTestClient) =>
    stream.events.map((event) => (JSON.parse(event.data) as Notification).title);

  beforeAll(async () => {
    const config = testConfig('notifications', { SSE_KEEPALIVE_MS: '200', SSE_RETRY_MS: '1500' });
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

  it('streams text/event-stream with retry first, keep-alive comments, and live notifications from any instance', async () => {
    const user = newUser();
    const stream = await open(1, user);
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.response.headers['cache-control']).toMatch(/no-cache/);
    expect(stream.response.headers['x-accel-buffering']).toBe('no');

    const [id] = await notify(0, [user], 'hello');
    const [event] = await stream.waitForEvents(1);
    expect(stream.retry).toBe(1500);
    expect(event.id).toBe(id);
    expect(event.event).toBe('notification');
    expect(JSON.parse(event.data)).toEqual({
      id,
      userId: user,
      type: 'test',
      title: 'hello',
      body: 'body of hello',
      data: { title: 'hello' },
      ts: expect.any(Number),
    });
    await stream.waitForComment('keep-alive');
  });

  it('resumes with Last-Event-ID on another instance: every missed notification, then live, no duplicate', async () => {
    const user = newUser();
    const first = await open(0, user);
    await notify(0, [user], 'n1');
    await notify(1, [user], 'n2');
    const seen = await first.waitForEvents(2);
    first.close();

    await notify(1, [user], 'n3');
    await notify(0, [user], 'n4');
    const resumed = await open(1, user, { 'Last-Event-ID': seen[1].id! });
    await resumed.waitForEvents(2);
    await notify(0, [user], 'n5');
    await resumed.waitForEvents(3);
    expect(titles(resumed)).toEqual(['n3', 'n4', 'n5']);
    const ids = resumed.events.map((event) => BigInt(event.id!));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });

  it('catches up from a Last-Event-ID the user never had instead of hiding newer notifications', async () => {
    const user = newUser();
    await notify(0, [user], 'old');
    const stream = await open(1, user, { 'Last-Event-ID': '999999999999' });
    await notify(0, [user], 'new');
    await stream.waitForEvents(1);
    expect(titles(stream)).toEqual(['new']);
  });

  it('loses and repeats nothing at the seam while notifications keep arriving during the replay', async () => {
    const user = newUser();
    const before = await Promise.all(
      Array.from({ length: 30 }, (_, n) => notify(n % 2, [user], `before-${n}`)),
    );
    const allBefore = before.flat().sort((a, b) => Number(a) - Number(b));
    const cursor = allBefore[9];
    const during = Promise.all(
      Array.from({ length: 30 }, (_, n) => notify(n % 2, [user], `during-${n}`)),
    );
    const stream = await open(0, user, {}, `?lastEventId=${cursor}`);
    const duringIds = (await during).flat();
    const expected = [...allBefore.slice(10), ...duringIds].sort((a, b) => Number(a) - Number(b));
    await stream.waitForEvents(expected.length);
    // Anything the seam sent twice was written before a notification published after it: once that
    // one arrives, the stream holds every event it will ever get for what came before.
    const [last] = await notify(1, [user], 'last');
    await stream.waitForEvents(expected.length + 1);
    const received = stream.events.map((event) => event.id!);
    expect(received.at(-1)).toBe(last);
    expect(received.slice(0, -1).sort((a, b) => Number(a) - Number(b))).toEqual(expected);
  });

  it('delivers to every open stream of the user and to nobody else', async () => {
    const [alice, bob] = [newUser(), newUser()];
    const aliceStreams = [await open(0, alice), await open(1, alice)];
    const bobStream = await open(0, bob);
    await notify(1, [alice, alice], 'for alice');
    await notify(0, [bob], 'for bob');
    // Published last, so each stream has had everything before it once this arrives.
    await notify(0, [alice, bob], 'last');
    for (const stream of aliceStreams) {
      await stream.waitForEvents(2);
      expect(titles(stream)).toEqual(['for alice', 'last']);
    }
    await bobStream.waitForEvents(2);
    expect(titles(bobStream)).toEqual(['for bob', 'last']);
  });

  it('lists the user’s notifications after an id, oldest first', async () => {
    const user = newUser();
    const ids = (await Promise.all([1, 2, 3].map((n) => notify(0, [user], `l${n}`))))
      .flat()
      .sort((a, b) => Number(a) - Number(b));
    const page = async (query: string, headers = bearer(user)) => {
      const response = await fetch(`${bases[1]}/notifications${query}`, { headers });
      return {
        status: response.status,
        body: (await response.json()) as { notifications: Notification[]; hasMore: boolean },
      };
    };
    const all = await page('');
    expect(all.body.notifications.map((n) => n.id)).toEqual(ids);
    expect(all.body.hasMore).toBe(false);
    const tail = await page(`?after=${ids[0]}&limit=1`);
    expect(tail.body.notifications.map((n) => n.id)).toEqual([ids[1]]);
    expect(tail.body.hasMore).toBe(true);
    expect((await page('?after=x')).status).toBe(400);
    expect((await page('?limit=0')).body).toMatchObject({
      code: 'invalid_parameter',
      parameter: 'limit',
    });
    expect((await page('', {} as ReturnType<typeof bearer>)).status).toBe(401);
  });

  it('refuses a stream without a valid token (401) or with a bad Last-Event-ID (400)', async () => {
    const anonymous = await SseTestClient.open(`${bases[0]}/notifications/stream`);
    expect(anonymous.response.statusCode).toBe(401);
    anonymous.close();
    const badId = await open(0, newUser(), { 'Last-Event-ID': 'abc' });
    expect(badId.response.statusCode).toBe(400);
    const refusal = async (query: string, headers: Record<string, string>) => {
      const response = await fetch(`${bases[0]}/notifications/stream${query}`, {
        headers: { ...bearer(newUser()), ...headers },
      });
      return { status: response.status, body: await response.json() };
    };
    expect(await refusal('', { 'Last-Event-ID': '1x' })).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        code: 'invalid_parameter',
        parameter: 'Last-Event-ID',
        message: 'Last-Event-ID must be a notification id (digits only)',
      },
    });
    // An empty header is no header: the query parameter is read, and checked.
    expect(await refusal('?lastEventId=x', { 'Last-Event-ID': '' })).toMatchObject({
      status: 400,
      body: { code: 'invalid_parameter', parameter: 'lastEventId' },
    });
  });

  it.each([
    ['a missing key', undefined],
    ['a wrong key', 'wrong-key-wrong-key-wrong'],
  ])('refuses publishing with %s: 401, nothing stored', async (_label, key) => {
    const user = newUser();
    const response = await fetch(`${bases[0]}/notifications`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(key ? { 'X-Api-Key': key } : {}) },
      body: JSON.stringify({ userIds: [user], type: 't', title: 't', body: 'b' }),
    });
    expect(response.status).toBe(401);
    const listed = await fetch(`${bases[0]}/notifications`, { headers: bearer(user) });
    expect(((await listed.json()) as { notifications: unknown[] }).notifications).toEqual([]);
  });

  it('takes a publish to thousands of long user ids, which is past the usual 100 kB body limit', async () => {
    const userIds = Array.from({ length: 2000 }, (_, i) => `${'u'.repeat(200)}-${i}`);
    const response = await publish(0, { userIds, type: 't', title: 'wide', body: 'b' });
    expect(response.status).toBe(202);
    expect(response.body.ids).toHaveLength(2000);
  });

  it('answers 413 too_large to a body over the limit, and stores nothing', async () => {
    const user = newUser();
    const response = await publish(0, {
      userIds: [user],
      type: 't',
      title: 't',
      body: 'b',
      data: 'x'.repeat(5 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ statusCode: 413, code: 'too_large' });
    const listed = await fetch(`${bases[0]}/notifications`, { headers: bearer(user) });
    expect(((await listed.json()) as { notifications: unknown[] }).notifications).toEqual([]);
  });

  it.each([
    ['invalid_json', '{"userIds":'],
    ['invalid_body', { type: 't', title: 't', body: 'b' }],
    ['invalid_body', { userIds: [], type: 't', title: 't', body: 'b' }],
    ['invalid_body', { userIds: [''], type: 't', title: 't', body: 'b' }],
    ['invalid_body', { userIds: ['u'], title: 't', body: 'b' }],
    ['invalid_body', { userIds: ['u'], type: 't', title: 5, body: 'b' }],
    ['invalid_body', { userIds: ['u'], type: 't', title: 't', body: 'b', extra: true }],
  ])('answers 400 %s to a bad body', async (code, body) => {
    const response = await publish(0, body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, code });
  });
});
