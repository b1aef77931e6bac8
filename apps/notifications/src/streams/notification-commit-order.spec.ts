import { INestApplication } from '@nestjs/common';
import {
  listen,
  signTestToken,
  SseTestClient,
  TEST_SERVICE_API_KEY,
  testConfig,
} from '@switchboard/testing';
import { randomBytes } from 'node:crypto';
import { createNotificationsApp } from '../app/notifications-app.module';

// Concurrent publishes to overlapping recipients through two instances on one database.
describe('notification ids under concurrent publishes', () => {
  let apps: INestApplication[];
  let bases: string[];
  const streams: SseTestClient[] = [];

  const newUser = () => `user-${randomBytes(5).toString('hex')}`;
  const byId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : 1);

  async function notify(instance: number, userIds: string[], title: string) {
    const response = await fetch(`${bases[instance]}/notifications`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': TEST_SERVICE_API_KEY },
      body: JSON.stringify({ userIds, type: 'test', title, body: '' }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { notifications: { id: string; userId: string }[] })
      .notifications;
  }

  async function open(instance: number, userId: string, lastEventId?: string) {
    const stream = await SseTestClient.open(`${bases[instance]}/notifications/stream`, {
      Authorization: `Bearer ${signTestToken(userId)}`,
      ...(lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId }),
    });
    streams.push(stream);
    return stream;
  }

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

  it('gives each user every id once, and a resume from any of them exactly the later ones, growing', async () => {
    const users = Array.from({ length: 4 }, newUser);
    // Wide publishes (many other recipients) hold their locks longer than narrow ones.
    const others = Array.from({ length: 500 }, newUser);
    const live = await Promise.all(users.map((userId, index) => open(index % 2, userId)));
    const audiences = Array.from({ length: 30 }, (_, n) => [
      ...users.filter((_user, index) => (n + index) % 3 !== 0),
      ...(n % 4 === 0 ? others : []),
    ]);
    const published = (
      await Promise.all(audiences.map((audience, n) => notify(n % 2, audience, `p${n}`)))
    ).flat();

    const expectedOf = (userId: string) =>
      published
        .filter((recipient) => recipient.userId === userId)
        .map(({ id }) => id)
        .sort(byId);
    const resumes = await Promise.all(
      users.flatMap((userId, index) => {
        const expected = expectedOf(userId);
        return [expected[0], expected[Math.floor(expected.length / 2)]].map(async (cursor) => ({
          stream: await open((index + 1) % 2, userId, cursor),
          after: expected.filter((id) => BigInt(id) > BigInt(cursor)),
        }));
      }),
    );
    // Published after every stream opened: once a stream has it, it has all it will get before it.
    const [{ id: lastId }] = await notify(0, users, 'last');

    for (const [index, userId] of users.entries()) {
      const expected = expectedOf(userId);
      expect(new Set(expected).size).toBe(expected.length);
      const received = await live[index].waitForEvents(expected.length + 1);
      expect(received.at(-1)?.id).toBe(lastId);
      expect(received.map((event) => event.id ?? '').sort(byId)).toEqual([...expected, lastId]);
    }
    for (const { stream, after } of resumes) {
      const replayed = await stream.waitForEvents(after.length + 1);
      expect(replayed.map((event) => event.id)).toEqual([...after, lastId]);
    }
  });
});
