import { RoomEventFrame } from '@switchboard/protocol';
import { RedisConnections } from '@switchboard/redis';
import { testConfig, uniqueRoom, waitFor } from '@switchboard/testing';
import { RedisMessageBus } from './redis-message-bus';

const INSTANCES = 20;

describe('RedisMessageBus started on many instances at once', () => {
  const { redisUrl, redisKeyPrefix } = testConfig('notifications');
  const opened: RedisConnections[] = [];
  const instance = () => {
    const connections = new RedisConnections({ url: redisUrl!, keyPrefix: redisKeyPrefix });
    opened.push(connections);
    return new RedisMessageBus(connections);
  };

  afterAll(async () => {
    await Promise.all(opened.map((connections) => connections.close()));
  });

  // ioredis 5.8.2+ sent a SUBSCRIBE issued during the connect handshake ahead of its ready check, and
  // about one subscriber in five then never received anything: each instance here subscribes while
  // its connections are still starting, at moments spread over the handshake.
  it('delivers live to every instance that subscribed while its connections were starting', async () => {
    const room = uniqueRoom('start');
    const received = new Set<number>();
    for (let n = 0; n < INSTANCES; n++) {
      const bus = instance();
      await new Promise((resolve) => setTimeout(resolve, n % 5));
      await bus.subscribe('room', room, () => received.add(n));
    }

    const publisher = instance();
    const frame: RoomEventFrame = { type: 'user_joined', room, user: { id: 'u', name: 'U' } };
    // Every subscription is confirmed by Redis, so one publish reaches every instance that is not deaf.
    await publisher.publish('room', room, frame);
    const deaf = () =>
      Array.from({ length: INSTANCES }, (_, n) => n).filter((n) => !received.has(n));
    await waitFor(
      () => deaf().length === 0,
      () => `instances ${deaf().join(', ')} received nothing`,
    );
  });
});
