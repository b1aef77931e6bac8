import { Logger, LoggerService } from '@nestjs/common';
import { freePort, OwnRedisServer, testConfig, waitFor } from '@switchboard/testing';
import { once } from 'node:events';
import { createServer, Server, Socket } from 'node:net';
import type Redis from 'ioredis';
import { RedisConnections } from './redis-connections';

/** Every line logged through Nest's Logger, with its arguments (a stack would be one of them). */
class RecordedLogs implements LoggerService {
  readonly entries: { level: string; message: string; args: unknown[] }[] = [];
  log = (message: string, ...args: unknown[]) => this.add('log', message, args);
  warn = (message: string, ...args: unknown[]) => this.add('warn', message, args);
  error = (message: string, ...args: unknown[]) => this.add('error', message, args);
  debug = (message: string, ...args: unknown[]) => this.add('debug', message, args);
  verbose = (message: string, ...args: unknown[]) => this.add('verbose', message, args);

  matching(level: string, pattern: RegExp): string[] {
    return this.entries
      .filter((entry) => entry.level === level && pattern.test(entry.message))
      .map((entry) => entry.message);
  }

  private add(level: string, message: string, args: unknown[]): void {
    this.entries.push({ level, message, args });
  }
}

describe('RedisConnections', () => {
  let logs: RecordedLogs;

  beforeEach(() => {
    logs = new RecordedLogs();
    Logger.overrideLogger(logs);
  });

  it('fails the start in one line when Redis refuses, and logs nothing else', async () => {
    const port = await freePort();
    const connections = new RedisConnections({ url: `redis://127.0.0.1:${port}`, keyPrefix: 't:' });
    connections.open('commands');
    connections.openPubSub('bus');

    await expect(connections.whenReady()).rejects.toThrow(
      new Error(`cannot reach Redis at REDIS_URL: connect ECONNREFUSED 127.0.0.1:${port}`),
    );
    expect(logs.entries).toEqual([]);
    await connections.close();
  });

  it('fails the start when Redis accepts but never answers, within the connect timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as { port: number };
    const connections = new RedisConnections({
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: 't:',
      connectTimeoutMs: 300,
    });
    connections.open('commands');

    await expect(connections.whenReady()).rejects.toThrow(
      new Error('cannot reach Redis at REDIS_URL: no answer within 300 ms'),
    );
    expect(logs.entries).toEqual([]);
    await connections.close();
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it('runs the work handed to beforeClose at shutdown while the connections are open, then closes them', async () => {
    const { redisUrl, redisKeyPrefix } = testConfig('gateway');
    const connections = new RedisConnections({ url: redisUrl!, keyPrefix: redisKeyPrefix });
    const commands = connections.open('commands');
    await connections.whenReady();
    const replies: string[] = [];
    connections.beforeClose(async () => {
      replies.push(await commands.ping());
    });

    await connections.onApplicationShutdown();
    expect(replies).toEqual(['PONG']);
    await waitFor(() => commands.status === 'end', 'the connection to close');
  });

  it('closes at shutdown after a second when the work handed to beforeClose does not finish', async () => {
    const { redisUrl, redisKeyPrefix } = testConfig('gateway');
    const connections = new RedisConnections({ url: redisUrl!, keyPrefix: redisKeyPrefix });
    const commands = connections.open('commands');
    await connections.whenReady();
    connections.beforeClose(() => new Promise<void>(() => undefined));

    await connections.onApplicationShutdown();
    expect(
      logs.matching('warn', /closing without the last work: not finished within 1000 ms/),
    ).toHaveLength(1);
    await waitFor(() => commands.status === 'end', 'the connection to close');
  });

  describe('on a Redis that goes down and comes back', () => {
    let server: OwnRedisServer;

    beforeEach(async () => {
      server = new OwnRedisServer(await freePort());
      await server.start();
    });

    afterEach(async () => {
      await server.kill();
    });

    /** A bus pair on the server whose subscriber records the channels it hears, and that connection. */
    async function busPair() {
      const connections = new RedisConnections({ url: server.url, keyPrefix: 't:' });
      const { publisher, subscriber } = connections.openPubSub('bus');
      const received = new Set<string>();
      subscriber.onMessage((channel) => received.add(channel));
      await connections.whenReady();
      const connection = (subscriber as unknown as { connection: Redis }).connection;
      /** Publishes on every channel until each was heard. */
      const hearsAll = (channels: string[], what: string) =>
        waitFor(async () => {
          await Promise.all(channels.map((channel) => publisher.publish(channel, 'x')));
          return channels.every((channel) => received.has(channel));
        }, what);
      return { connections, publisher, subscriber, connection, hearsAll };
    }

    it('logs each connection lost once and recovered once, reports it in ping, and resubscribes', async () => {
      const connections = new RedisConnections({ url: server.url, keyPrefix: 't:' });
      const commands = connections.open('commands', { batchWrites: true });
      const { publisher, subscriber } = connections.openPubSub('bus');
      const received: string[] = [];
      subscriber.onMessage((channel, message) => received.push(`${channel} ${message}`));
      await connections.whenReady();
      await subscriber.subscribe('t:news');
      await connections.ping();

      let reconnects = 0;
      for (const connection of [commands, publisher])
        connection.on('reconnecting', () => reconnects++);
      await server.kill();
      await waitFor(
        () => logs.matching('warn', /lost/).length >= 3 && reconnects >= 6,
        'three lost connections and several reconnect attempts each',
      );
      await expect(connections.ping()).rejects.toThrow(/^connection \S+ is /);

      await server.start();
      await waitFor(
        () =>
          connections.ping().then(
            () => true,
            () => false,
          ),
        'every connection to answer again',
      );
      for (const name of ['bus-publisher', 'bus-subscriber', 'commands']) {
        expect(logs.matching('warn', new RegExp(`^connection ${name} `))).toEqual([
          expect.stringMatching(/ lost \(.+\); reconnecting$/),
        ]);
        expect(logs.matching('log', new RegExp(`^connection ${name} `))).toEqual([
          expect.stringMatching(/ recovered after \d+\.\d s$/),
        ]);
      }
      expect(logs.entries).toHaveLength(6);
      // One line each, no stack: Nest passes only the context after the message.
      expect(logs.entries.every((entry) => entry.args.length === 1)).toBe(true);

      await waitFor(async () => {
        await publisher.publish('t:news', 'after the restart');
        return received.includes('t:news after the restart');
      }, 'the resubscribed connection to receive');
      await connections.close();
      expect(logs.entries).toHaveLength(6);
    }, 30_000);

    it('tells onResubscribed listeners once a lost subscriber is subscribed again, not at the first subscribe', async () => {
      const connections = new RedisConnections({ url: server.url, keyPrefix: 't:' });
      const { publisher, subscriber } = connections.openPubSub('bus');
      const received: string[] = [];
      subscriber.onMessage((_channel, message) => received.push(message));
      let resubscribed = 0;
      // A publish made as soon as the listener runs must arrive: the subscription is really back.
      subscriber.onResubscribed(() => {
        resubscribed++;
        void publisher.publish('t:news', `after resubscribe ${resubscribed}`);
      });
      await connections.whenReady();
      await subscriber.subscribe('t:news');
      expect(resubscribed).toBe(0);

      await publisher.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await waitFor(
        () => received.includes('after resubscribe 1'),
        'the message after resubscribe',
      );
      expect(resubscribed).toBe(1);
      await connections.close();
    });

    it('subscribes issued while Redis is away wait for it together, and all hold once it is back', async () => {
      const { connections, subscriber, connection, hearsAll } = await busPair();
      await subscriber.subscribe('t:before');

      await server.kill();
      await waitFor(() => logs.matching('warn', /bus-subscriber lost/).length > 0, 'the loss');
      // Rooms joined during the outage: more than Node's 10 listeners per event if each waited alone.
      const channels = Array.from({ length: 25 }, (_, n) => `t:room-${n}`);
      const subscribed = Promise.all(channels.map((channel) => subscriber.subscribe(channel)));
      // One wait, not one per subscribe: Node warns (on stderr, outside the logs) past 10 listeners.
      expect(connection.listenerCount('ready')).toBeLessThan(5);
      expect(connection.listenerCount('end')).toBeLessThan(5);
      await server.start();
      await subscribed;

      await hearsAll(channels, 'every channel subscribed during the outage to receive');
      await connections.close();
    }, 30_000);

    it('holds every channel through Redis dying again as the subscriber reconnects, issuing every SUBSCRIBE itself', async () => {
      const { connections, subscriber, connection, hearsAll } = await busPair();
      const channels = Array.from({ length: 10 }, (_, n) => `t:channel-${n}`);
      for (const channel of channels) await subscriber.subscribe(channel);
      // ioredis's own resubscription (its ready handler, in event_handler.js) attaches no failure
      // handler: one failing was an unhandled rejection, which ends a Node 20 process.
      const subscribe = connection.subscribe.bind(connection);
      let issuedByIoredis = 0;
      connection.subscribe = ((...args: Parameters<typeof subscribe>) => {
        if (new Error().stack?.includes('event_handler')) issuedByIoredis++;
        return subscribe(...args);
      }) as typeof connection.subscribe;

      await server.kill();
      // Back, and gone again the moment the subscriber is ready: a resubscription fails in flight,
      // and Redis stays away longer than the three reconnect attempts a command waits for.
      const killedOnReady = new Promise<void>((done) =>
        connection.once('ready', () => void server.kill().then(done)),
      );
      await server.start();
      await killedOnReady;
      await new Promise((done) => setTimeout(done, 1_500));
      await server.start();

      await hearsAll(channels, 'every channel to receive after the second outage');
      expect(issuedByIoredis).toBe(0);
      await connections.close();
    }, 30_000);

    it('sends every connection still waiting out a reconnect delay to try again once one is back', async () => {
      const { connections, publisher, subscriber, connection } = await busPair();
      await subscriber.subscribe('t:news');
      // The subscriber a long backoff step behind its publisher (a subscriber left waiting misses
      // what is published meanwhile).
      connection.options.retryStrategy = () => 60_000;

      await server.kill();
      await waitFor(() => connection.status === 'reconnecting', 'the subscriber to wait');
      const statusesWhenBack: string[] = [];
      publisher.once('ready', () => statusesWhenBack.push(connection.status));
      await server.start();
      await waitFor(() => statusesWhenBack.length > 0, 'the publisher to be back');
      expect(statusesWhenBack).toEqual(['connecting']);
      // Its own delayed attempt is gone: it would reconnect the connection after the close below.
      expect((connection as unknown as { reconnectTimeout: unknown }).reconnectTimeout).toBeNull();
      await waitFor(() => connection.status === 'ready', 'the subscriber to be back');
      await connections.close();
    }, 30_000);

    it('closes without waiting on a Redis that is gone', async () => {
      const connections = new RedisConnections({ url: server.url, keyPrefix: 't:' });
      const commands = connections.open('commands');
      connections.openPubSub('bus');
      await connections.whenReady();
      await server.kill();
      await waitFor(() => commands.status !== 'ready', 'the loss to be seen');
      await connections.close();
      expect(logs.matching('warn', /lost/)).toHaveLength(3);
    });
  });
});
