import { RedisConnections } from '@switchboard/redis';
import { testConfig, uniqueRoom } from '@switchboard/testing';
import Redis from 'ioredis';
import { InMemoryPresenceStore, ONLINE, PresenceStore } from './presence-store';
import { RedisPresenceStore } from './redis-presence-store';

interface StorePair {
  a: PresenceStore;
  b: PresenceStore;
  close: () => Promise<unknown>;
}

describe.each<[string, () => StorePair]>([
  [
    'Redis (two instances)',
    () => {
      const { redisUrl, redisKeyPrefix } = testConfig('gateway');
      const connections = new RedisConnections({ url: redisUrl!, keyPrefix: redisKeyPrefix });
      return {
        a: new RedisPresenceStore(connections, 10_000),
        b: new RedisPresenceStore(connections, 10_000),
        close: () => connections.close(),
      };
    },
  ],
  [
    'memory',
    () => {
      const store = new InMemoryPresenceStore();
      return { a: store, b: store, close: async () => undefined };
    },
  ],
])('PresenceStore in %s', (_label, make) => {
  it('reports the first arrival and the last departure across instances', async () => {
    const { a, b, close } = make();
    const room = uniqueRoom();
    const ada = { id: 'ada', name: 'Ada' };
    expect(await a.enter(room, ada)).toBe(true);
    expect(await b.enter(room, ada)).toBe(false);
    expect(await b.enter(room, { id: 'bob', name: 'Bob' })).toBe(true);
    expect((await a.members(room)).sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      ada,
      { id: 'bob', name: 'Bob' },
    ]);
    expect(await a.exit(room, 'ada')).toBe(false);
    expect(await b.exit(room, 'ada')).toBe(true);
    expect(await a.members(room)).toEqual([{ id: 'bob', name: 'Bob' }]);
    expect(await a.exit(room, 'nobody')).toBe(false);
    expect(await b.exit(room, 'bob')).toBe(true);
    expect(await b.members(room)).toEqual([]);
    await close();
  });

  it("lists the room's members with an entry, the one who entered included, once per instance", async () => {
    const { a, b, close } = make();
    const room = uniqueRoom();
    const ada = { id: 'ada', name: 'Ada' };
    const bob = { id: 'bob', name: 'Bob' };
    const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
    await expect(a.enterAndList(room, ada)).resolves.toEqual({ first: true, members: [ada] });
    const second = await b.enterAndList(room, bob);
    expect(second.first).toBe(true);
    expect(second.members.sort(byId)).toEqual([ada, bob]);
    const again = await b.enterAndList(room, ada);
    expect(again.first).toBe(false);
    expect(again.members.sort(byId)).toEqual([ada, bob]);
    // Entered by two instances: gone only once both left.
    expect(await a.exit(room, 'ada')).toBe(false);
    expect(await b.exit(room, 'ada')).toBe(true);
    expect(await a.members(room)).toEqual([bob]);
    await close();
  });

  it('agrees on a single first arrival when instances enter at once', async () => {
    const { a, b, close } = make();
    const room = uniqueRoom();
    const user = { id: 'racer', name: 'Racer' };
    const firsts = await Promise.all(
      Array.from({ length: 10 }, (_, n) => (n % 2 ? a : b).enter(room, user)),
    );
    expect(firsts.filter(Boolean)).toHaveLength(1);
    const lasts = await Promise.all(
      Array.from({ length: 10 }, (_, n) => (n % 2 ? b : a).exit(room, 'racer')),
    );
    expect(lasts.filter(Boolean)).toHaveLength(1);
    await close();
  });
});

describe('RedisPresenceStore across instance failures', () => {
  const { redisUrl, redisKeyPrefix } = testConfig('gateway');
  // No heartbeat goes stale by itself during a test (a stalled event loop would have a live instance
  // taken for dead): an instance misses its heartbeats only when the test dates its last one back.
  const HEARTBEAT_INTERVAL_MS = 3_600_000;
  // Each test gets its own prefix: reaping looks at every instance under a prefix.
  const opened: RedisConnections[] = [];
  const make = (prefix: string) => {
    const connections = new RedisConnections({ url: redisUrl!, keyPrefix: prefix });
    opened.push(connections);
    return new RedisPresenceStore(connections, HEARTBEAT_INTERVAL_MS);
  };
  const instancesKey = (prefix: string) => `${prefix}presence:instances`;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(redisUrl!);
  });

  afterAll(async () => {
    await redis.quit();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((connections) => connections.close()));
  });

  const NOTHING_REAPED = { departed: [], typists: [] };

  /** Far more than three intervals pass without a heartbeat from `store`. */
  async function missHeartbeats(prefix: string, store: RedisPresenceStore): Promise<void> {
    await redis.zadd(instancesKey(prefix), 0, store.instanceId);
  }

  it('releases what a silent instance held, once, and tells it so when it comes back', async () => {
    const prefix = `${redisKeyPrefix}${uniqueRoom('reap')}:`;
    const room = uniqueRoom();
    const crashed = make(prefix);
    const survivor = make(prefix);
    await crashed.heartbeat();
    await survivor.heartbeat();
    await crashed.enter(room, { id: 'ada', name: 'Ada' });
    await crashed.enter(room, { id: 'bob', name: 'Bob' });
    await survivor.enter(room, { id: 'bob', name: 'Bob' });
    // Alive, so nothing it holds is released.
    expect(await survivor.reap()).toEqual(NOTHING_REAPED);

    await missHeartbeats(prefix, crashed);
    expect(await survivor.reap()).toEqual({
      departed: [{ room, user: { id: 'ada', name: 'Ada' } }],
      typists: [],
    });
    expect(await survivor.reap()).toEqual(NOTHING_REAPED);
    expect(await survivor.members(room)).toEqual([{ id: 'bob', name: 'Bob' }]);

    // Back from a long pause: told to enter again; its stale exits change nothing meanwhile.
    expect(await crashed.heartbeat()).toBe(true);
    expect(await crashed.exit(room, 'bob')).toBe(false);
    expect(await survivor.members(room)).toEqual([{ id: 'bob', name: 'Bob' }]);
    expect(await crashed.enter(room, { id: 'ada', name: 'Ada' })).toBe(true);
    expect(await crashed.heartbeat()).toBe(false);
  });

  it('retires from the instance list only when it holds nothing', async () => {
    const prefix = `${redisKeyPrefix}${uniqueRoom('retire')}:`;
    const room = uniqueRoom();
    const leaving = make(prefix);
    const other = make(prefix);
    await leaving.heartbeat();
    await leaving.enter(room, { id: 'cy', name: 'Cy' });
    await leaving.retire();
    // Still listed, so what it failed to leave is released by the others once it is taken for dead.
    expect(await redis.zscore(instancesKey(prefix), leaving.instanceId)).not.toBeNull();
    await missHeartbeats(prefix, leaving);
    expect(await other.reap()).toEqual({
      departed: [{ room, user: { id: 'cy', name: 'Cy' } }],
      typists: [],
    });

    const clean = make(prefix);
    await clean.heartbeat();
    await clean.retire();
    expect(await redis.zscore(instancesKey(prefix), clean.instanceId)).toBeNull();
  });

  it("announces a dead instance's typists once, and keeps an instance listed while it has typists", async () => {
    const prefix = `${redisKeyPrefix}${uniqueRoom('typing')}:`;
    const room = uniqueRoom();
    const crashed = make(prefix);
    const survivor = make(prefix);
    await crashed.heartbeat();
    await survivor.heartbeat();
    await crashed.startTyping(room, { id: 'ada', name: 'Ada Lovelace' });
    await crashed.startTyping(room, { id: 'bob', name: 'Bob' });
    await crashed.stopTyping(room, 'bob');
    await survivor.startTyping(room, { id: 'cy', name: 'Cy' });
    await crashed.retire();
    expect(await redis.zscore(instancesKey(prefix), crashed.instanceId)).not.toBeNull();
    expect(await survivor.reap()).toEqual(NOTHING_REAPED);

    await missHeartbeats(prefix, crashed);
    expect(await survivor.reap()).toEqual({
      departed: [],
      typists: [{ room, user: { id: 'ada', name: 'Ada Lovelace' } }],
    });
    expect(await survivor.reap()).toEqual(NOTHING_REAPED);
  });

  it('knows who is online on any instance, and when the others were last seen', async () => {
    const prefix = `${redisKeyPrefix}${uniqueRoom('online')}:`;
    const one = make(prefix);
    const other = make(prefix);
    await one.enter(ONLINE, { id: 'ada', name: 'Ada' });
    await other.recordLastSeen('bob', 1234);
    expect(await other.statusOf(['bob', 'ada', 'cy'])).toEqual([
      { id: 'bob', online: false, lastSeen: 1234 },
      { id: 'ada', online: true, lastSeen: null },
      { id: 'cy', online: false, lastSeen: null },
    ]);
    expect(await other.statusOf([])).toEqual([]);
  });
});
