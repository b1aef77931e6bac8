import { RoomEventFrame } from '@switchboard/protocol';
import { RedisConnections } from '@switchboard/redis';
import { testConfig, uniqueRoom, waitFor } from '@switchboard/testing';
import { InProcessMessageBus } from './in-process-message-bus';
import { MessageBus } from './message-bus';
import { RedisMessageBus } from './redis-message-bus';

interface BusPair {
  publisher: MessageBus;
  subscriber: MessageBus;
  close: () => Promise<unknown>;
}

const joined = (room: string, id: string): RoomEventFrame => ({
  type: 'user_joined',
  room,
  user: { id, name: id },
});

describe.each<[string, () => BusPair]>([
  [
    'Redis, two connections pairs (two instances)',
    () => {
      const { redisUrl, redisKeyPrefix } = testConfig('gateway');
      const [a, b] = [0, 1].map(
        () => new RedisConnections({ url: redisUrl!, keyPrefix: redisKeyPrefix }),
      );
      return {
        publisher: new RedisMessageBus(a),
        subscriber: new RedisMessageBus(b),
        close: () => Promise.all([a.close(), b.close()]),
      };
    },
  ],
  [
    'in-process',
    () => {
      const bus = new InProcessMessageBus();
      return {
        publisher: bus,
        subscriber: bus,
        close: async () => undefined,
      };
    },
  ],
])('MessageBus over %s', (_label, make) => {
  it('delivers in publish order to the subscribers of a topic only, with the raw JSON', async () => {
    const { publisher, subscriber, close } = make();
    const room = uniqueRoom();
    const received: [RoomEventFrame, string][] = [];
    const other: RoomEventFrame[] = [];
    const stop = await subscriber.subscribe('room', room, (frame, raw) =>
      received.push([frame, raw]),
    );
    const otherRoom = uniqueRoom();
    const stopOther = await subscriber.subscribe('room', otherRoom, (frame) => other.push(frame));
    for (let n = 0; n < 20; n++) await publisher.publish('room', room, joined(room, `u${n}`));
    await waitFor(
      () => received.length >= 20,
      () => `20 frames, got ${received.length}`,
    );
    expect(received.map(([frame]) => (frame.type === 'user_joined' ? frame.user.id : ''))).toEqual(
      Array.from({ length: 20 }, (_, n) => `u${n}`),
    );
    expect(JSON.parse(received[0][1])).toEqual(received[0][0]);
    expect(other).toEqual([]);

    await stop();
    await publisher.publish('room', room, joined(room, 'after'));
    await publisher.publish('room', room, joined(room, 'after'));
    // Published after them on a topic still subscribed: once it arrives, so would have they.
    await publisher.publish('room', otherRoom, joined(otherRoom, 'marker'));
    await waitFor(() => other.length > 0, 'the marker on the other topic');
    expect(received).toHaveLength(20);
    expect(other).toEqual([joined(otherRoom, 'marker')]);
    await stopOther();
    await close();
  });

  it('keeps a topic subscribed while any handler remains', async () => {
    const { publisher, subscriber, close } = make();
    const room = uniqueRoom();
    const first: unknown[] = [];
    const second: unknown[] = [];
    const stopFirst = await subscriber.subscribe('room', room, (frame) => first.push(frame));
    const stopSecond = await subscriber.subscribe('room', room, (frame) => second.push(frame));
    await stopFirst();
    await publisher.publish('room', room, joined(room, 'x'));
    await waitFor(() => second.length > 0, 'the frame for the remaining handler');
    expect(first).toEqual([]);
    await stopSecond();
    await close();
  });
});

describe('MessageBus.subscribe when listening fails', () => {
  /** Fails to listen as often as told (Redis down), then listens; counts what it was asked. */
  class FlakyBus extends InProcessMessageBus {
    listens = 0;

    constructor(private failures: number) {
      super();
    }

    protected override listen(): Promise<void> {
      this.listens++;
      if (this.failures-- > 0) return Promise.reject(new Error('Redis is down'));
      return Promise.resolve();
    }
  }

  it('forgets the handler, so the next subscriber to the topic listens again', async () => {
    const bus = new FlakyBus(1);
    const room = uniqueRoom();
    const first: unknown[] = [];
    const second: unknown[] = [];
    await expect(bus.subscribe('room', room, (frame) => first.push(frame))).rejects.toThrow(
      'Redis is down',
    );
    await bus.subscribe('room', room, (frame) => second.push(frame));
    expect(bus.listens).toBe(2);
    await bus.publish('room', room, joined(room, 'x'));
    await waitFor(() => second.length > 0, 'the frame for the remaining handler');
    expect(first).toEqual([]);
  });

  it('fails a handler added while the failing listen was under way, instead of leaving it deaf', async () => {
    let failListen: (error: Error) => void = () => undefined;
    class SlowBus extends InProcessMessageBus {
      listens = 0;
      protected override listen(): Promise<void> {
        this.listens++;
        if (this.listens > 1) return Promise.resolve();
        return new Promise((_, reject) => (failListen = reject));
      }
    }
    const bus = new SlowBus();
    const room = uniqueRoom();
    const received: unknown[] = [];
    const first = bus.subscribe('room', room, () => undefined);
    const second = bus.subscribe('room', room, (frame) => received.push(frame));
    failListen(new Error('Redis is down'));
    await expect(first).rejects.toThrow('Redis is down');
    await expect(second).rejects.toThrow('Redis is down');

    await bus.subscribe('room', room, (frame) => received.push(frame));
    expect(bus.listens).toBe(2);
    await bus.publish('room', room, joined(room, 'x'));
    await waitFor(() => received.length > 0, 'the frame for the new handler');
    expect(received).toHaveLength(1);
  });
});
