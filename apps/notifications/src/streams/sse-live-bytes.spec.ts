import { InProcessMessageBus } from '@switchboard/bus';
import { SwitchboardConfig } from '@switchboard/config';
import { MetricsRegistry } from '@switchboard/observability';
import { NotificationStore } from '@switchboard/persistence';
import { NotificationContent } from '@switchboard/protocol';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { NotificationMetrics } from '../metrics/notification-metrics';
import { NotificationStreamRegistry } from './notification-stream.registry';
import { formatSseRetry, notificationFrames } from './sse-framing';

const RETRY_MS = 2000;
const users = ['zoë "𝓏" 👋', 'ada'];
const content: NotificationContent = {
  type: 'mention',
  title: 'Grüße ∑ 🎉',
  body: 'line one\nline two',
  data: { room: 'r1', emoji: '👍' },
  ts: 1700000000000,
};

/** A stream's expected body: each event's text as `notificationFrames` makes it, framed by Node's rules. */
function bodyAsBefore(userId: string, ids: string[], chunked: boolean): Buffer {
  const { frame: frameFor } = notificationFrames(content);
  const events = [formatSseRetry(RETRY_MS), ...ids.map((id) => frameFor(id, userId))];
  const text = events
    .map((event) => (chunked ? `${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n` : event))
    .join('');
  return Buffer.from(text, 'utf8');
}

describe('live SSE events on the wire', () => {
  let server: Server;
  let port: number;
  let bus: InProcessMessageBus;
  let registry: NotificationStreamRegistry;

  beforeAll(async () => {
    bus = new InProcessMessageBus();
    const config = { sse: { keepAliveMs: 60_000, retryMs: RETRY_MS } } as SwitchboardConfig;
    registry = new NotificationStreamRegistry(
      bus,
      { newestId: async () => '0' } as unknown as NotificationStore,
      config,
      new NotificationMetrics(new MetricsRegistry()),
    );
    await registry.onApplicationBootstrap();
    server = createServer((request, response) => {
      const userId = decodeURIComponent(request.url?.slice(1) ?? '');
      void registry.open({ id: userId, name: userId }, response, undefined);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await registry.beforeApplicationShutdown();
    server.close();
    await once(server, 'close');
  });

  /** Opens a raw stream; `body` resolves once the body after the headers has `length` bytes. */
  async function rawStream(userId: string, version: '1.0' | '1.1') {
    const socket = connect(port, '127.0.0.1');
    socket.write(`GET /${encodeURIComponent(userId)} HTTP/${version}\r\nHost: localhost\r\n\r\n`);
    let received = Buffer.alloc(0);
    const waiters: { length: number; resolve: (body: Buffer) => void }[] = [];
    const bodyOf = () => received.subarray(received.indexOf('\r\n\r\n') + 4);
    const check = () => {
      for (const waiter of waiters.splice(0))
        if (received.includes('\r\n\r\n') && bodyOf().length >= waiter.length)
          waiter.resolve(bodyOf());
        else waiters.push(waiter);
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      check();
    });
    const body = (length: number) =>
      new Promise<Buffer>((resolve) => {
        waiters.push({ length, resolve });
        check();
      });
    return { socket, body };
  }

  it.each(['1.1', '1.0'] as const)(
    'writes each live event as the text framing gives it, multi-byte text and user ids included (HTTP/%s)',
    async (version) => {
      const chunked = version === '1.1';
      const streams = await Promise.all(users.map((userId) => rawStream(userId, version)));
      // The stream is live once its retry line is out (no resume, so nothing to replay).
      await Promise.all(
        users.map((userId, i) => streams[i].body(bodyAsBefore(userId, [], chunked).length)),
      );

      await bus.publish('notifications', '', { id: '41', content, userIds: users });
      await bus.publish('notifications', '', { id: '42', content, userIds: [users[0]] });

      const expected = [
        bodyAsBefore(users[0], ['41', '42'], chunked),
        bodyAsBefore(users[1], ['41'], chunked),
      ];
      const bodies = await Promise.all(streams.map((stream, i) => stream.body(expected[i].length)));
      for (const stream of streams) stream.socket.destroy();
      expect(bodies.map((body) => body.toString('latin1'))).toEqual(
        expected.map((body) => body.toString('latin1')),
      );
    },
  );
});
