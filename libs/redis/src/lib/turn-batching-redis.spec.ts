import { testConfig } from '@switchboard/testing';
import { RedisConnections } from './redis-connections';

describe('a connection opened with batchWrites', () => {
  const { redisUrl, redisKeyPrefix } = testConfig('gateway');
  let connections: RedisConnections;

  beforeEach(async () => {
    connections = new RedisConnections({ url: redisUrl!, keyPrefix: redisKeyPrefix });
  });

  afterEach(async () => {
    await connections.close();
  });

  it('holds the commands of one turn in its socket until the turn ends, then answers each in order', async () => {
    const redis = connections.open('batched', { batchWrites: true });
    await connections.whenReady();
    const key = `${redisKeyPrefix}batched:${process.pid}`;

    const replies = [redis.set(key, 'a'), redis.append(key, 'b'), redis.get(key), redis.del(key)];
    expect(redis.stream.writableCorked).toBe(1);
    expect(redis.stream.writableLength).toBeGreaterThan(0);

    expect(await Promise.all(replies)).toEqual(['OK', 2, 'ab', 1]);
    expect(redis.stream.writableCorked).toBe(0);
  });

  it('writes each command at once without batchWrites', async () => {
    const redis = connections.open('unbatched');
    await connections.whenReady();

    const reply = redis.ping();
    expect(redis.stream.writableCorked).toBe(0);
    expect(await reply).toBe('PONG');
  });
});
