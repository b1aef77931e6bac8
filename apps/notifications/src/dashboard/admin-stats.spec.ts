import { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { deriveConfig } from '@switchboard/config';
import { InstanceStats } from '@switchboard/protocol';
import {
  listen,
  signTestToken,
  SseTestClient,
  TEST_JWT_SECRET,
  TEST_SERVICE_API_KEY,
  testConfig,
  waitFor,
} from '@switchboard/testing';
import { createNotificationsApp } from '../app/notifications-app.module';
import { NotificationLiveStats } from '../metrics/notification-metrics';

const adminToken = (claims: Record<string, unknown> = { admin: true }) =>
  new JwtService({ secret: TEST_JWT_SECRET }).sign(
    { sub: 'operator', ...claims },
    { expiresIn: 3600 },
  );

// Two notification instances on one Redis and one database, with a key prefix of their own: another
// spec's announcement left owed (notifications-redis.spec) makes every stream on its bus catch up
// from PostgreSQL, and a notification written by a catch-up is not a live delivery on the board.
describe('GET /admin/stats/stream', () => {
  const shared = testConfig('notifications');
  const config = deriveConfig(shared, { redisKeyPrefix: `${shared.redisKeyPrefix}admin-stats:` });
  let apps: INestApplication[];
  let bases: string[];
  const streams: SseTestClient[] = [];

  async function open(instance: number, path: string, headers: Record<string, string>) {
    const stream = await SseTestClient.open(`${bases[instance]}${path}`, headers);
    streams.push(stream);
    return stream;
  }

  const idOf = (app: INestApplication) => app.get(NotificationLiveStats).instanceId;
  /** Each instance as the latest event on the admin stream shows it. */
  const board = (stream: SseTestClient): Map<string, InstanceStats> => {
    const latest = stream.events.at(-1);
    const { instances } = JSON.parse(latest?.data ?? '{"instances":[]}') as {
      instances: InstanceStats[];
    };
    return new Map(instances.map((stats) => [stats.instanceId, stats]));
  };

  beforeAll(async () => {
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

  it.each([
    ['X-Api-Key', '', { 'X-Api-Key': TEST_SERVICE_API_KEY }],
    ['a token with admin: true', '', { Authorization: `Bearer ${adminToken()}` }],
    ['a token with admin: true as access_token', `?access_token=${adminToken()}`, {}],
  ])(
    'streams every instance of every service every second to %s',
    async (_label, query, headers) => {
      const admin = await open(0, `/admin/stats/stream${query}`, headers);
      expect(admin.response.statusCode).toBe(200);
      expect(admin.response.headers['content-type']).toMatch(/^text\/event-stream/);
      await waitFor(
        () => apps.every((app) => board(admin).has(idOf(app))),
        () => `both instances on the board; got ${JSON.stringify(admin.events.at(-1))}`,
      );
      expect(admin.events.every((event) => event.event === 'stats' && !event.id)).toBe(true);
      expect(board(admin).get(idOf(apps[1]))).toMatchObject({
        service: 'notifications',
        connections: 0,
        windowMs: expect.any(Number),
      });
      // Every second: more events keep coming.
      const seen = admin.events.length;
      await admin.waitForEvents(seen + 2);
    },
  );

  it.each([
    ['no credentials', {}, 401],
    ['a wrong X-Api-Key', { 'X-Api-Key': 'not-the-service-key-0000' }, 401],
    [
      'a badly signed token',
      {
        Authorization: `Bearer ${signTestToken('x', 'x', { secret: 'another-secret-0123456789' })}`,
      },
      401,
    ],
    [
      'a user token without the admin claim',
      { Authorization: `Bearer ${signTestToken('user')}` },
      403,
    ],
    [
      'a token whose admin claim is not true',
      { Authorization: `Bearer ${adminToken({ admin: 'yes' })}` },
      403,
    ],
    [
      'a wrong X-Api-Key beside an admin token',
      { 'X-Api-Key': 'not-the-service-key-0000', Authorization: `Bearer ${adminToken()}` },
      401,
    ],
  ])('refuses %s', async (_label, headers, status) => {
    const refused = await fetch(`${bases[0]}/admin/stats/stream`, { headers });
    expect(refused.status).toBe(status);
    expect(await refused.json()).toMatchObject({
      statusCode: status,
      code: status === 401 ? 'unauthorized' : 'forbidden',
    });
  });

  it("shows each instance's open notification streams and what it delivered", async () => {
    const admin = await open(0, '/admin/stats/stream', { 'X-Api-Key': TEST_SERVICE_API_KEY });
    const [here, there] = apps.map(idOf);
    await waitFor(() => board(admin).get(there)?.sseStreams === 0, 'instance 1 without streams');
    const user = `user-${Date.now()}`;
    const stream = await open(1, '/notifications/stream', {
      Authorization: `Bearer ${signTestToken(user)}`,
    });
    await waitFor(
      () => board(admin).get(there)?.sseStreams === 1 && board(admin).get(here)?.sseStreams === 0,
      () => `one stream on instance 1; got ${JSON.stringify(admin.events.at(-1))}`,
    );

    const counted = admin.events.length;
    const published = await fetch(`${bases[0]}/notifications`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': TEST_SERVICE_API_KEY },
      body: JSON.stringify({ userIds: [user], type: 't', title: 'hi', body: 'there' }),
    });
    expect(published.status).toBe(202);
    await stream.waitForEvents(1);
    // Each snapshot stays on the board for a second or so: each window counted once (by its ts).
    const windowsOf = (instanceId: string): InstanceStats[] => {
      const windows = new Map<number, InstanceStats>();
      for (const event of admin.events.slice(counted)) {
        const stats = (JSON.parse(event.data) as { instances: InstanceStats[] }).instances.find(
          (instance) => instance.instanceId === instanceId,
        );
        if (stats) windows.set(stats.ts, stats);
      }
      return [...windows.values()];
    };
    const delivered = (instanceId: string) =>
      Math.round(
        windowsOf(instanceId).reduce(
          (sum, stats) => sum + (stats.deliveriesPerSecond * stats.windowMs) / 1000,
          0,
        ),
      );
    await waitFor(
      () => delivered(there) === 1,
      () => `one delivery on instance 1; got ${JSON.stringify(admin.events.slice(counted))}`,
    );
    expect(delivered(here)).toBe(0);
    expect(windowsOf(there).some((stats) => stats.broadcastLatencyMs !== null)).toBe(true);
  });

  it('ends its admin streams at shutdown, and drops an instance that has stopped publishing', async () => {
    const admin = await open(0, '/admin/stats/stream', { 'X-Api-Key': TEST_SERVICE_API_KEY });
    const extra = await createNotificationsApp(config, {}, { shutdownHooks: false });
    const { http: extraBase } = await listen(extra);
    const extraId = idOf(extra);
    await waitFor(() => board(admin).has(extraId), 'the third instance on the board');
    const adminOnExtra = await SseTestClient.open(`${extraBase}/admin/stats/stream`, {
      'X-Api-Key': TEST_SERVICE_API_KEY,
    });
    streams.push(adminOnExtra);
    await adminOnExtra.waitForEvents(1);
    // Shutdown ends the admin streams (cleanly, not cut at the grace period), so the server can close.
    const ended = new Promise((resolve) => adminOnExtra.response.once('end', resolve));
    await extra.close();
    await ended;
    await waitFor(() => !board(admin).has(extraId), 'the closed instance off the board');
    expect(apps.every((app) => board(admin).has(idOf(app)))).toBe(true);
  });
});
