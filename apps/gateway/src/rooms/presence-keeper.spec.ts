import { INestApplication } from '@nestjs/common';
import { PresenceStore, RedisPresenceStore } from '@switchboard/presence';
import { RedisConnections } from '@switchboard/redis';
import { listen, signTestToken, testConfig, uniqueRoom, WsTestClient } from '@switchboard/testing';
import Redis from 'ioredis';
import { createGatewayApp } from '../app/gateway-app.module';
import { PresenceKeeper } from './presence-keeper.service';

// Presence survives instances that die without leaving: the others release what they held.
describe('presence across instance failures', () => {
  const prefix = `${testConfig('gateway').redisKeyPrefix}${uniqueRoom('keeper')}:`;
  // The interval never fires during the test (a stalled event loop would have the instances take each
  // other for dead): heartbeats and reaps are made by hand (tick), and an instance is made stale by
  // dating its last heartbeat back, never by waiting.
  const config = testConfig('gateway', {
    REDIS_KEY_PREFIX: prefix,
    PRESENCE_HEARTBEAT_MS: '3600000',
  });
  const instancesKey = `${prefix}presence:instances`;
  let apps: INestApplication[];
  let urls: string[];
  let redis: Redis;

  beforeAll(async () => {
    apps = await Promise.all(
      [0, 1].map(() => createGatewayApp(config, {}, { shutdownHooks: false })),
    );
    urls = (await Promise.all(apps.map(listen))).map((url) => url.ws);
    redis = new Redis(config.redisUrl!);
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis.quit();
  });

  it('announces user_left for the users of an instance that crashed, and drops them from members', async () => {
    const room = uniqueRoom();
    const alice = await WsTestClient.connect(urls[0], { token: signTestToken('alice') });
    await alice.request({ type: 'join', room }, 'joined');
    // An instance that entered a user and then died: it never heartbeats again.
    const crashedConnections = new RedisConnections({ url: config.redisUrl!, keyPrefix: prefix });
    const crashed = new RedisPresenceStore(crashedConnections, config.presenceHeartbeatMs);
    await crashed.heartbeat();
    await crashed.enter(room, { id: 'ghost', name: 'Ghost' });
    await crashedConnections.close();
    expect(
      (await alice.request({ type: 'join', room }, 'joined')).members.map((m) => m.id).sort(),
    ).toEqual(['alice', 'ghost']);

    // Three intervals pass without a heartbeat from it.
    await redis.zadd(instancesKey, 0, crashed.instanceId);
    await apps[1].get(PresenceKeeper).tick();
    await expect(alice.next('user_left')).resolves.toEqual({
      type: 'user_left',
      room,
      user: { id: 'ghost', name: 'Ghost' },
    });
    expect(
      (await alice.request({ type: 'join', room }, 'joined')).members.map((m) => m.id),
    ).toEqual(['alice']);
    await alice.close();
  });

  it('brings an instance taken for dead back: its users are entered again and announced', async () => {
    const room = uniqueRoom();
    const alice = await WsTestClient.connect(urls[0], { token: signTestToken('alice') });
    const bob = await WsTestClient.connect(urls[1], { token: signTestToken('bob') });
    await alice.request({ type: 'join', room }, 'joined');
    await bob.request({ type: 'join', room }, 'joined');
    await alice.next('user_joined');

    // Instance 1 stalls: its heartbeat is old enough for instance 0 to release its users.
    const stalled = apps[1].get<PresenceStore, RedisPresenceStore>(PresenceStore);
    await redis.zadd(instancesKey, 0, stalled.instanceId);
    await apps[0].get(PresenceKeeper).tick();
    await expect(alice.next('user_left')).resolves.toMatchObject({ user: { id: 'bob' } });

    await apps[1].get(PresenceKeeper).tick();
    await expect(alice.next('user_joined')).resolves.toMatchObject({ user: { id: 'bob' } });
    expect(
      (await alice.request({ type: 'join', room }, 'joined')).members.map((m) => m.id).sort(),
    ).toEqual(['alice', 'bob']);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('takes an instance closed gracefully off the instances list, its user announced as left', async () => {
    const room = uniqueRoom();
    const leaving = await createGatewayApp(config, {}, { shutdownHooks: false });
    const alice = await WsTestClient.connect(urls[0], { token: signTestToken('alice') });
    const carol = await WsTestClient.connect((await listen(leaving)).ws, {
      token: signTestToken('carol'),
    });
    await alice.request({ type: 'join', room }, 'joined');
    await carol.request({ type: 'join', room }, 'joined');
    await alice.next('user_joined');
    const { instanceId } = leaving.get<PresenceStore, RedisPresenceStore>(PresenceStore);
    expect(await redis.zscore(instancesKey, instanceId)).not.toBeNull();

    await leaving.close();
    await expect(alice.next('user_left')).resolves.toMatchObject({ user: { id: 'carol' } });
    expect(await redis.zscore(instancesKey, instanceId)).toBeNull();
    await alice.close();
  });
});
