import { InProcessMessageBus } from '@switchboard/bus';
import { SwitchboardConfig } from '@switchboard/config';
import { NotificationStore } from '@switchboard/persistence';
import { Notification, NotificationBroadcast } from '@switchboard/protocol';
import { MetricsRegistry } from '@switchboard/observability';
import { NotificationMetrics } from '../metrics/notification-metrics';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { NotificationStreamRegistry } from './notification-stream.registry';
import { notificationFrame } from './sse-framing';

const USER = 'reader';

function notification(id: number): Notification {
  return { id: String(id), userId: USER, type: 't', title: `n${id}`, body: '', data: null, ts: id };
}

/** A publish to USER alone, as the bus carries it. */
function batch(id: number): NotificationBroadcast {
  const { id: idText, userId, ...content } = notification(id);
  return { id: idText, content, userIds: [userId] };
}

/** A response that records what is written to it. */
function fakeResponse(): { response: ServerResponse; written: () => string } {
  const chunks: string[] = [];
  const response = Object.assign(new EventEmitter(), {
    destroyed: false,
    writableLength: 0,
    writeHead: () => response,
    write: (chunk: string) => chunks.push(chunk) > 0,
    end: () => undefined,
  });
  return { response: response as unknown as ServerResponse, written: () => chunks.join('') };
}

/** A registry on `bus` and `store`, subscribed as at application start. */
async function startedRegistry(
  bus: InProcessMessageBus,
  store: NotificationStore,
  keepAliveMs = 60_000,
  metrics = new NotificationMetrics(new MetricsRegistry()),
): Promise<NotificationStreamRegistry> {
  const config = { sse: { keepAliveMs, retryMs: 2000 } } as SwitchboardConfig;
  const registry = new NotificationStreamRegistry(bus, store, config, metrics);
  await registry.onApplicationBootstrap();
  return registry;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const ids = (text: string) => [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));

describe('NotificationStreamRegistry resume seam', () => {
  it('sends a notification that raced the replay exactly once, in the replay or live', async () => {
    const bus = new InProcessMessageBus();
    // While the replay reads ids 6 and 7, the broadcasts of 7 (already in the replay) and 8 arrive.
    const store = {
      newestId: async () => '7',
      listAfter: async () => {
        await bus.publish('notifications', '', batch(7));
        await bus.publish('notifications', '', batch(8));
        await settle();
        return [notification(6), notification(7)];
      },
    } as unknown as NotificationStore;
    const registry = await startedRegistry(bus, store);
    const { response, written } = fakeResponse();

    await registry.open({ id: USER, name: USER }, response, '5');
    await bus.publish('notifications', '', batch(9));
    await settle();

    expect(written().startsWith('retry: 2000\n\n')).toBe(true);
    expect(ids(written())).toEqual([6, 7, 8, 9]);
    await registry.beforeApplicationShutdown();
  });
});

/** The bus of an instance that can lose its subscription: `resubscribe` is its coming back. */
class LossyBus extends InProcessMessageBus {
  private readonly listeners = new Set<() => void>();

  override onResubscribed(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  resubscribe(): void {
    for (const listener of this.listeners) listener();
  }
}

/** USER's stored notifications; `onRead` runs inside the next read, after it saw the store, before it answers. */
class StoredNotifications {
  readonly stored: Notification[] = [];
  onRead: (() => Promise<void>) | undefined;

  async newestId(): Promise<string> {
    return this.stored.at(-1)?.id ?? '0';
  }

  async listAfter(_userId: string, afterId: string, limit: number): Promise<Notification[]> {
    const seen = this.stored.filter(({ id }) => BigInt(id) > BigInt(afterId)).slice(0, limit);
    const onRead = this.onRead;
    this.onRead = undefined;
    await onRead?.();
    return seen;
  }
}

describe('NotificationStreamRegistry catch-up', () => {
  async function start() {
    const bus = new LossyBus();
    const store = new StoredNotifications();
    const registry = await startedRegistry(bus, store as unknown as NotificationStore);
    /** Stored, and announced unless `lost`. */
    const publish = async (id: number, { lost = false } = {}) => {
      store.stored.push(notification(id));
      if (!lost) await bus.publish('notifications', '', batch(id));
    };
    return { bus, store, registry, publish };
  }

  it('gives an open stream what it missed while the bus subscription was lost, once and in order, when it is back', async () => {
    const { bus, store, registry, publish } = await start();
    await publish(1);
    const { response, written } = fakeResponse();
    await registry.open({ id: USER, name: USER }, response, undefined);
    await publish(2);
    await settle();
    await publish(3, { lost: true });
    await publish(4, { lost: true });
    // 5 is committed and announced while the catch-up reads, 6 right after it: each once, in order.
    store.onRead = async () => {
      await publish(5);
      await settle();
    };
    bus.resubscribe();
    await publish(6);
    await settle();
    await settle();

    expect(ids(written())).toEqual([2, 3, 4, 5, 6]);
    await registry.beforeApplicationShutdown();
  });

  it('catches up on notifications-missed (a publisher could not announce), and a stream reading then reads again', async () => {
    const { bus, store, registry, publish } = await start();
    const first = fakeResponse();
    await registry.open({ id: USER, name: USER }, first.response, undefined);
    await publish(1, { lost: true });
    const second = fakeResponse();
    // The second stream resumes from 0: its replay sees only 1, and the signal about 2 comes while it
    // reads, so it reads once more.
    store.onRead = async () => {
      await publish(2, { lost: true });
      await bus.publish('notifications-missed', '', {});
      await settle();
    };
    await registry.open({ id: USER, name: USER }, second.response, '0');
    await settle();

    expect(ids(first.written())).toEqual([1, 2]);
    expect(ids(second.written())).toEqual([1, 2]);
    await registry.beforeApplicationShutdown();
  });

  it('writes a notification announced twice (a publish resent after a reconnect) once', async () => {
    const { bus, registry, publish } = await start();
    const { response, written } = fakeResponse();
    await registry.open({ id: USER, name: USER }, response, undefined);
    await publish(1);
    await bus.publish('notifications', '', batch(1));
    await settle();
    expect(ids(written())).toEqual([1]);
    await registry.beforeApplicationShutdown();
  });
});

describe('NotificationStreamRegistry before the headers', () => {
  it('writes no keep-alive or read frame before a stream’s headers, which wait for its position', async () => {
    const bus = new InProcessMessageBus();
    let answer: (id: string) => void = () => undefined;
    const store = {
      newestId: () => new Promise<string>((resolve) => (answer = resolve)),
    } as unknown as NotificationStore;
    const registry = await startedRegistry(bus, store, 5);
    const { response, written } = fakeResponse();
    // As Node's: a write before writeHead sends default headers, and writeHead after them throws.
    Object.assign(response, {
      headersSent: false,
      writeHead: () => {
        if (response.headersSent) throw new Error('headers already sent');
        Object.assign(response, { headersSent: true });
      },
    });
    const opening = registry.open({ id: USER, name: USER }, response, undefined);
    await bus.publish('notification-read', '', { userId: USER, lastReadId: '3', unread: 0 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(written()).toBe('');
    answer('3');
    await opening;
    await settle();
    // Keep-alives may come between: only the order of what matters is checked.
    expect(written().replaceAll(': keep-alive\n\n', '')).toMatch(/^retry: 2000\n\nevent: read\n/);
    await registry.beforeApplicationShutdown();
  });
});

describe('NotificationStreamRegistry slow consumers', () => {
  /** A stream with more than 1 MB unsent; destroying it emits `close` only later, as a socket does. */
  function slowResponse(): ServerResponse {
    const response = Object.assign(new EventEmitter(), {
      destroyed: false,
      writableLength: 2 * 1024 * 1024,
      writeHead: () => response,
      write: () => false,
      end: () => undefined,
      destroy: () => {
        response.destroyed = true;
        setImmediate(() => response.emit('close'));
      },
    });
    return response as unknown as ServerResponse;
  }

  async function start(store: Partial<NotificationStore> = { newestId: async () => '0' }) {
    const bus = new InProcessMessageBus();
    const metrics = new NotificationMetrics(new MetricsRegistry());
    const registry = await startedRegistry(bus, store as NotificationStore, 60_000, metrics);
    const counted = async () => (await metrics.slowConsumersDropped.get()).values[0]?.value ?? 0;
    const open = async () => (await metrics.sseStreams.get()).values[0]?.value ?? 0;
    return { bus, registry, counted, open };
  }

  it('counts a live stream dropped as slow once, however many notifications reach it before it closes', async () => {
    const { bus, registry, counted, open } = await start();
    const response = slowResponse();
    await registry.open({ id: USER, name: USER }, response, undefined);
    for (let id = 1; id <= 5; id++) await bus.publish('notifications', '', batch(id));
    await settle();
    expect(response.destroyed).toBe(true);
    expect(await counted()).toBe(1);
    expect(await open()).toBe(0);
    await registry.beforeApplicationShutdown();
  });

  it('counts a resuming stream dropped as slow once, however many notifications waited for the replay', async () => {
    const { bus, registry, counted } = await start({
      newestId: async () => '9',
      // Three notifications arrive while the replay reads: they wait, then flush to a slow stream.
      listAfter: async () => {
        for (let id = 7; id <= 9; id++) await bus.publish('notifications', '', batch(id));
        await settle();
        return [];
      },
    });
    await registry.open({ id: USER, name: USER }, slowResponse(), '6');
    await settle();
    expect(await counted()).toBe(1);
    await registry.beforeApplicationShutdown();
  });
});

describe('NotificationStreamRegistry live delivery', () => {
  it('frames each recipient of a publish with its id and own user, skipping what a resumed stream replayed', async () => {
    const bus = new InProcessMessageBus();
    const registry = await startedRegistry(
      bus,
      // cy resumes from 11: only what comes after it is hers.
      {
        newestId: async (userId: string) => (userId === 'cy' ? '11' : '0'),
        listAfter: async () => [],
      } as unknown as NotificationStore,
    );
    const users = ['ada', 'bob', 'cy'];
    const responses = users.map(() => fakeResponse());
    for (const [index, userId] of users.entries())
      await registry.open(
        { id: userId, name: userId },
        responses[index].response,
        userId === 'cy' ? '11' : undefined,
      );

    const { content } = batch(10);
    await bus.publish('notifications', '', { id: '10', content, userIds: ['ada', 'bob', 'cy'] });
    await bus.publish('notifications', '', { id: '12', content, userIds: ['cy'] });
    await settle();

    const events = responses.map(({ written }) =>
      [...written().matchAll(/^data: (.*)$/gm)].map(
        (match) => JSON.parse(match[1]) as Notification,
      ),
    );
    expect(events.map((received) => received.map(({ id, userId }) => ({ id, userId })))).toEqual([
      [{ id: '10', userId: 'ada' }],
      [{ id: '10', userId: 'bob' }],
      [{ id: '12', userId: 'cy' }],
    ]);
    expect(responses.map(({ written }) => ids(written()))).toEqual([[10], [10], [12]]);
    await registry.beforeApplicationShutdown();
  });
});

describe('NotificationStreamRegistry writes', () => {
  it('writes the notifications that arrive in one turn to a chunked stream in one socket write, each its own chunk', async () => {
    const bus = new InProcessMessageBus();
    const registry = await startedRegistry(bus, {
      newestId: async () => '0',
    } as unknown as NotificationStore);
    const { response } = fakeResponse();
    const socketWrites: string[] = [];
    Object.assign(response, {
      chunkedEncoding: true,
      socket: { write: (wire: string) => socketWrites.push(wire) > 0 },
    });
    await registry.open({ id: USER, name: USER }, response, undefined);

    await bus.publish('notifications', '', batch(1));
    await bus.publish('notifications', '', batch(2));
    await settle();

    const chunk = (event: string) => `${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n`;
    expect(socketWrites).toEqual([
      chunk(notificationFrame(notification(1))) + chunk(notificationFrame(notification(2))),
    ]);
    await registry.beforeApplicationShutdown();
  });

  it('writes a broadcast to thousands of streams over several turns, so replies are read in between', async () => {
    const bus = new InProcessMessageBus();
    const registry = await startedRegistry(bus, {
      newestId: async () => '0',
    } as unknown as NotificationStore);
    const users = Array.from({ length: 2500 }, (_, index) => `user-${index}`);
    const writes = new Map<string, string[]>();
    for (const userId of users) {
      const { response } = fakeResponse();
      const socketWrites: string[] = [];
      writes.set(userId, socketWrites);
      Object.assign(response, {
        chunkedEncoding: true,
        socket: { write: (wire: string) => socketWrites.push(wire) > 0 },
      });
      await registry.open({ id: userId, name: userId }, response, undefined);
    }
    const written = () => [...writes.values()].filter((list) => list.length > 0).length;
    const { content } = batch(1);

    await bus.publish('notifications', '', { id: '1', content, userIds: users });
    await settle();
    const afterOneTurn = written();
    expect(afterOneTurn).toBeGreaterThan(0);
    expect(afterOneTurn).toBeLessThan(users.length);
    // A publish arriving between two slices: a stream not written yet takes both in one write.
    await bus.publish('notifications', '', { id: '2', content, userIds: users });
    for (let turn = 0; turn < 10; turn++) await settle();

    const ids = (list: string[]) =>
      list.flatMap((wire) => [...wire.matchAll(/^id: (\d+)$/gm)].map((match) => match[1]));
    const last = writes.get(users[users.length - 1]) as string[];
    expect(last).toHaveLength(1);
    expect(ids(last)).toEqual(['1', '2']);
    const first = writes.get(users[0]) as string[];
    expect(first).toHaveLength(2);
    expect(ids(first)).toEqual(['1', '2']);
    await registry.beforeApplicationShutdown();
  });
});
