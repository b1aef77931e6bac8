import { testConfig, uniqueRoom } from '@switchboard/testing';
import { InMemoryPresenceStore, PresenceStore } from './presence-store';

interface StorePair {
  a: PresenceStore;
  b: PresenceStore;
  close: () => Promise<unknown>;
}
import { RedisPresenceStore } from './redis-presence-store';

describe.each<[string, () => StorePair]>([
  [
    'Redis (two instances)',
    () => {
      const { redisUrl, redisKeyPrefix } = testConfig('gateway');
      const a = new RedisPresenceStore(redisUrl!, redisKeyPrefix);
      const b = new RedisPresenceStore(redisUrl!, redisKeyPrefix);
      return {
        a: a,
        b: b,
        close: () => Promise.all([a.close(), b.close()]),
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
