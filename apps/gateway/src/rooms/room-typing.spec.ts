import { INestApplication } from '@nestjs/common';
import { PresenceStore, RedisPresenceStore } from '@switchboard/presence';
import { directRoomOf } from '@switchboard/room-access';
import { listen, signTestToken, testConfig, uniqueRoom, WsTestClient } from '@switchboard/testing';
import Redis from 'ioredis';
import { createGatewayApp } from '../app/gateway-app.module';
import { PresenceKeeper } from './presence-keeper.service';
import { TYPING_FRAME_LIMIT } from './room-typing';

/** Two gateway instances on one Redis and one database, with their own presence key prefix. */
async function startInstances(
  prefix: string,
  overrides: Record<string, string>,
): Promise<{ apps: INestApplication[]; urls: string[] }> {
  const config = testConfig('gateway', { REDIS_KEY_PREFIX: prefix, ...overrides });
  const apps = await Promise.all(
    [0, 1].map(() => createGatewayApp(config, {}, { shutdownHooks: false })),
  );
  const urls = (await Promise.all(apps.map(listen))).map((url) => url.ws);
  return { apps, urls };
}

// Typing is ephemeral: announced once per start and once per stop, across instances, never stored.
describe('typing, two instances', () => {
  const prefix = `${testConfig('gateway').redisKeyPrefix}${uniqueRoom('typing')}:`;
  let apps: INestApplication[];
  let urls: string[];
  let redis: Redis;
  const clients: WsTestClient[] = [];

  /** A user of this test only, so that no bucket or presence carries over between tests. */
  async function connect(instance: number, user: string, room: string): Promise<WsTestClient> {
    const client = await WsTestClient.connect(urls[instance], {
      token: signTestToken(`${user}-${room}`, user),
    });
    clients.push(client);
    return client;
  }

  async function joined(instance: number, user: string, room: string): Promise<WsTestClient> {
    const client = await connect(instance, user, room);
    await client.request({ type: 'join', room }, 'joined');
    return client;
  }

  beforeAll(async () => {
    // Heartbeats and reaps are made by hand (see presence-keeper.spec), and no typing times out
    // here; a message budget of 2 shows that typing does not take from it.
    ({ apps, urls } = await startInstances(prefix, {
      PRESENCE_HEARTBEAT_MS: '3600000',
      TYPING_TIMEOUT_MS: '3600000',
      RATE_LIMIT_PER_SECOND: '1',
      RATE_LIMIT_BURST: '2',
    }));
    redis = new Redis(testConfig('gateway').redisUrl!);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis.quit();
  });

  it('tells every other connection in the room once, on both instances, and stops on typing_stop', async () => {
    const room = uniqueRoom();
    const alice = await joined(0, 'Alice', room);
    const aliceElsewhere = await joined(1, 'Alice', room);
    const bob = await joined(1, 'Bob', room);
    const carol = await joined(0, 'Carol', room);
    const user = { id: `Alice-${room}`, name: 'Alice' };

    for (let repeat = 0; repeat < 3; repeat++) {
      await expect(alice.request({ type: 'typing', room }, 'typing')).resolves.toEqual({
        type: 'typing',
        room,
      });
    }
    await expect(alice.request({ type: 'typing_stop', room }, 'typing_stopped')).resolves.toEqual({
      type: 'typing_stopped',
      room,
    });

    for (const other of [bob, carol]) {
      await expect(other.next('typing_stopped')).resolves.toEqual({
        type: 'typing_stopped',
        room,
        user,
      });
      // Frames of one publisher arrive in order: every typing sent before the stop is here.
      expect(other.unclaimed('typing')).toEqual([{ type: 'typing', room, user }]);
    }
    // The typist's own connections are not told; a ping's reply comes after anything sent before it.
    await aliceElsewhere.request({ type: 'ping' }, 'pong');
    expect(aliceElsewhere.unclaimed('typing')).toEqual([]);
    expect(aliceElsewhere.unclaimed('typing_stopped')).toEqual([]);
  });

  it('stops when the typist sends a message in the room, from any of their connections', async () => {
    const room = uniqueRoom();
    const alice = await joined(0, 'Alice', room);
    const aliceElsewhere = await joined(1, 'Alice', room);
    const bob = await joined(1, 'Bob', room);
    await alice.request({ type: 'typing', room }, 'typing');
    await bob.next('typing');

    await aliceElsewhere.request({ type: 'message', room, text: 'done' }, 'ack');
    await bob.next('message');
    await expect(bob.next('typing_stopped')).resolves.toMatchObject({
      user: { id: `Alice-${room}` },
    });
  });

  it('tells a user who joins the room who is already typing', async () => {
    const room = uniqueRoom();
    const alice = await joined(0, 'Alice', room);
    const carol = await joined(0, 'Carol', room);
    await alice.request({ type: 'typing', room }, 'typing');
    await carol.next('typing');

    const bob = await joined(1, 'Bob', room);
    await expect(bob.next('typing')).resolves.toEqual({
      type: 'typing',
      room,
      user: { id: `Alice-${room}`, name: 'Alice' },
    });
    // No second `typing` for Bob: his join is not a start, and the stop still comes once.
    await alice.request({ type: 'typing_stop', room }, 'typing_stopped');
    await bob.next('typing_stopped');
    expect(bob.unclaimed('typing')).toEqual([]);
  });

  it('stops when the typing connection leaves the room or closes', async () => {
    const room = uniqueRoom();
    const alice = await joined(0, 'Alice', room);
    const bob = await joined(1, 'Bob', room);
    // Another connection of Alice stays in the room, so no user_left stands in for the stop.
    await joined(1, 'Alice', room);

    await alice.request({ type: 'typing', room }, 'typing');
    await bob.next('typing');
    await alice.request({ type: 'leave', room }, 'left');
    await bob.next('typing_stopped');

    await alice.request({ type: 'join', room }, 'joined');
    await alice.request({ type: 'typing', room }, 'typing');
    await bob.next('typing');
    await alice.close();
    await bob.next('typing_stopped');
  });

  it('stops when the instance holding the typist dies: the others reap it', async () => {
    const room = uniqueRoom();
    const alice = await joined(1, 'Alice', room);
    const bob = await joined(0, 'Bob', room);
    await alice.request({ type: 'typing', room }, 'typing');
    await expect(bob.next('typing')).resolves.toMatchObject({ user: { id: `Alice-${room}` } });

    // Instance 1 stops heartbeating: three intervals pass, and instance 0 reaps it.
    const dying = apps[1].get<PresenceStore, RedisPresenceStore>(PresenceStore);
    await redis.zadd(`${prefix}presence:instances`, 0, dying.instanceId);
    await apps[0].get(PresenceKeeper).tick();
    await expect(bob.next('typing_stopped')).resolves.toEqual({
      type: 'typing_stopped',
      room,
      user: { id: `Alice-${room}`, name: 'Alice' },
    });

    // It was only paused: back, it says again who is typing there.
    await apps[1].get(PresenceKeeper).tick();
    await expect(bob.next('typing')).resolves.toMatchObject({ user: { id: `Alice-${room}` } });
  });

  it('refuses typing in a room this connection has not joined: not_joined, or forbidden if the user may not use it', async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'Alice', room);
    await expect(alice.request({ type: 'typing', room }, 'error')).resolves.toMatchObject({
      code: 'not_joined',
    });
    const notTheirs = directRoomOf('someone', 'someone-else').room;
    await expect(
      alice.request({ type: 'typing', room: notTheirs }, 'error'),
    ).resolves.toMatchObject({ code: 'forbidden' });
    // typing_stop can only end something, so it is never refused.
    await expect(
      alice.request({ type: 'typing_stop', room: notTheirs }, 'typing_stopped'),
    ).resolves.toEqual({ type: 'typing_stopped', room: notTheirs });
  });

  it.each([
    ['a bad room', { type: 'typing', room: 'no spaces' }],
    ['no room', { type: 'typing' }],
    ['an extra field', { type: 'typing', room: 'r', user: 'x' }],
    ['a bad room to stop', { type: 'typing_stop', room: '' }],
    ['an extra field to stop', { type: 'typing_stop', room: 'r', now: true }],
  ])('refuses typing frames with %s as invalid_message', async (_case, frame) => {
    const alice = await connect(0, 'Alice', uniqueRoom());
    await expect(alice.request(frame, 'error')).resolves.toMatchObject({
      code: 'invalid_message',
    });
  });

  it('rate-limits typing per connection, apart from the message budget', async () => {
    const room = uniqueRoom();
    const alice = await joined(0, 'Alice', room);
    for (let frame = 0; frame < TYPING_FRAME_LIMIT.burst; frame++) {
      await alice.request({ type: 'typing', room }, 'typing');
    }
    const refusal = await alice.request({ type: 'typing', room }, 'error');
    expect(refusal).toMatchObject({ code: 'rate_limited' });
    expect(refusal.retryAfterMs).toBeGreaterThan(0);
    // The message bucket (burst 2) is whole.
    await alice.request({ type: 'message', room, text: 'one' }, 'ack');
    await alice.request({ type: 'message', room, text: 'two' }, 'ack');
  });
});

describe('typing timeout', () => {
  let apps: INestApplication[];
  let urls: string[];

  beforeAll(async () => {
    ({ apps, urls } = await startInstances(
      `${testConfig('gateway').redisKeyPrefix}${uniqueRoom('typing-timeout')}:`,
      { TYPING_TIMEOUT_MS: '50' },
    ));
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  it('stops a typist who sent no repeat for TYPING_TIMEOUT_MS', async () => {
    const room = uniqueRoom();
    const alice = await WsTestClient.connect(urls[0], { token: signTestToken(`alice-${room}`) });
    const bob = await WsTestClient.connect(urls[1], { token: signTestToken(`bob-${room}`) });
    await alice.request({ type: 'join', room }, 'joined');
    await bob.request({ type: 'join', room }, 'joined');
    await alice.request({ type: 'typing', room }, 'typing');
    await bob.next('typing');
    await expect(bob.next('typing_stopped')).resolves.toMatchObject({
      user: { id: `alice-${room}` },
    });
    // Nothing but the timeout stopped it: Alice is still joined and said nothing more.
    expect(bob.unclaimed('user_left')).toEqual([]);
    await Promise.all([alice.close(), bob.close()]);
  });
});
