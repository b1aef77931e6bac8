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
    const config = { sse: { keepAliveMs: 60_000, retryMs: 2000 } } as SwitchboardConfig;
    const registry = new NotificationStreamRegistry(
      bus,
      store,
      config,
      new NotificationMetrics(new MetricsRegistry()),
    );
    await registry.onApplicationBootstrap();
    const { response, written } = fakeResponse();

    await registry.open({ id: USER, name: USER }, response, '5');
    await bus.publish('notifications', '', batch(9));
    await settle();

    expect(written().startsWith('retry: 2000\n\n')).toBe(true);
    expect(ids(written())).toEqual([6, 7, 8, 9]);
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

  async function start(store: Partial<NotificationStore> = {}) {
    const bus = new InProcessMessageBus();
    const metrics = new NotificationMetrics(new MetricsRegistry());
    const config = { sse: { keepAliveMs: 60_000, retryMs: 2000 } } as SwitchboardConfig;
    const registry = new NotificationStreamRegistry(
      bus,
      store as NotificationStore,
      config,
      metrics,
    );
    await registry.onApplicationBootstrap();
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
    const config = { sse: { keepAliveMs: 60_000, retryMs: 2000 } } as SwitchboardConfig;
    const registry = new NotificationStreamRegistry(
      bus,
      // cy resumes from 11: only what comes after it is hers.
      { newestId: async () => '11', listAfter: async () => [] } as unknown as NotificationStore,
      config,
      new NotificationMetrics(new MetricsRegistry()),
    );
    await registry.onApplicationBootstrap();
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
    const config = { sse: { keepAliveMs: 60_000, retryMs: 2000 } } as SwitchboardConfig;
    const registry = new NotificationStreamRegistry(
      bus,
      {} as NotificationStore,
      config,
      new NotificationMetrics(new MetricsRegistry()),
    );
    await registry.onApplicationBootstrap();
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
});
