import { INestApplication } from '@nestjs/common';
import { PresenceStore, RedisPresenceStore } from '@switchboard/presence';
import { PROTOCOL_LIMITS } from '@switchboard/protocol';
import {
  listen,
  signTestToken,
  testConfig,
  uniqueRoom,
  waitFor,
  WsTestClient,
} from '@switchboard/testing';
import Redis from 'ioredis';
import { createGatewayApp } from '../app/gateway-app.module';
import { PresenceKeeper } from './presence-keeper.service';

// Online status: online while any connection is open on any instance; partners are told of changes.
describe('online status, two instances', () => {
  const prefix = `${testConfig('gateway').redisKeyPrefix}${uniqueRoom('status')}:`;
  // Heartbeats and reaps are made by hand, as in presence-keeper.spec.
  const config = testConfig('gateway', {
    REDIS_KEY_PREFIX: prefix,
    PRESENCE_HEARTBEAT_MS: '3600000',
  });
  let apps: INestApplication[];
  let urls: string[];
  let redis: Redis;
  const clients: WsTestClient[] = [];
  let suffix: string;

  /** Users of this test only: `alice` is `alice-<suffix>`. */
  const id = (user: string) => `${user}-${suffix}`;

  async function connect(instance: number, user: string): Promise<WsTestClient> {
    const client = await WsTestClient.connect(urls[instance], {
      token: signTestToken(id(user), user),
    });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    apps = await Promise.all(
      [0, 1].map(() => createGatewayApp(config, {}, { shutdownHooks: false })),
    );
    urls = (await Promise.all(apps.map(listen))).map((url) => url.ws);
    redis = new Redis(config.redisUrl!);
  });

  beforeEach(() => {
    suffix = uniqueRoom('u');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis.quit();
  });

  it("tells a user's direct-room partners, on every instance, when they come online and go offline", async () => {
    const alice = await connect(0, 'alice');
    await alice.request({ type: 'join_direct', user: id('bob') }, 'joined');
    const carol = await connect(1, 'carol');

    const bob = await connect(1, 'bob');
    await expect(alice.next('status')).resolves.toEqual({
      type: 'status',
      user: { id: id('bob'), name: 'bob' },
      online: true,
      lastSeen: null,
    });
    // A second connection changes nothing; closing one of two leaves the user online.
    const bobElsewhere = await connect(0, 'bob');
    await bob.close();
    await bobElsewhere.close();
    const offline = await alice.next('status');
    expect(offline).toMatchObject({ user: { id: id('bob') }, online: false });
    expect(offline.lastSeen).toEqual(expect.any(Number));
    expect(alice.unclaimed('status')).toEqual([]);
    // Carol is no partner of Bob's: a ping's reply comes after anything sent to her before it.
    await carol.request({ type: 'ping' }, 'pong');
    expect(carol.unclaimed('status')).toEqual([]);
  });

  it('answers presence for the asked users who share a room with the caller, in the asked order', async () => {
    const room = uniqueRoom();
    const alice = await connect(0, 'alice');
    await alice.request({ type: 'join', room }, 'joined');
    await alice.request({ type: 'join_direct', user: id('bob') }, 'joined');
    const bob = await connect(1, 'bob');
    const dave = await connect(1, 'dave');
    await dave.request({ type: 'join', room }, 'joined');
    await dave.close();
    await connect(1, 'carol');
    // Dave's close is handled on the server after his socket is gone.
    await waitFor(
      async () =>
        (await alice.request({ type: 'presence', users: [id('dave')] }, 'presence')).users[0]
          ?.online === false,
      'dave offline',
    );

    const reply = await alice.request(
      { type: 'presence', users: [id('dave'), id('carol'), id('bob'), id('nobody'), id('bob')] },
      'presence',
    );
    expect(reply.users).toEqual([
      { id: id('dave'), online: false, lastSeen: expect.any(Number) },
      { id: id('bob'), online: true, lastSeen: null },
    ]);
    await expect(alice.request({ type: 'presence', users: [] }, 'presence')).resolves.toEqual({
      type: 'presence',
      users: [],
    });
    await bob.close();
  });

  it('takes the users of a dead instance offline when it is reaped, and back when it returns', async () => {
    const alice = await connect(0, 'alice');
    await alice.request({ type: 'join_direct', user: id('bob') }, 'joined');
    await connect(1, 'bob');
    await alice.next('status', (frame) => frame.online);

    const dying = apps[1].get<PresenceStore, RedisPresenceStore>(PresenceStore);
    await redis.zadd(`${prefix}presence:instances`, 0, dying.instanceId);
    await apps[0].get(PresenceKeeper).tick();
    await expect(alice.next('status')).resolves.toMatchObject({
      user: { id: id('bob') },
      online: false,
    });
    expect(
      (await alice.request({ type: 'presence', users: [id('bob')] }, 'presence')).users,
    ).toEqual([{ id: id('bob'), online: false, lastSeen: expect.any(Number) }]);

    await apps[1].get(PresenceKeeper).tick();
    await expect(alice.next('status')).resolves.toMatchObject({
      user: { id: id('bob') },
      online: true,
    });
  });

  it.each([
    [
      'too many users',
      { users: Array.from({ length: PROTOCOL_LIMITS.maxPresenceUsers + 1 }, (_, i) => `u${i}`) },
    ],
    ['an empty user id', { users: [''] }],
    ['a user id with a control character', { users: ['a\u0001b'] }],
    ['users that is not a list', { users: 'alice' }],
    ['no users', {}],
    ['an extra field', { users: [], room: 'r' }],
  ])('refuses presence with %s as invalid_message', async (_case, fields) => {
    const alice = await connect(0, 'alice');
    await expect(alice.request({ type: 'presence', ...fields }, 'error')).resolves.toMatchObject({
      code: 'invalid_message',
    });
  });
});
