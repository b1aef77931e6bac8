import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { ConnectionChange, ConnectionHealth } from './connection-health';
import { RedisSubscriber } from './redis-subscriber';
import { TurnBatchingRedis } from './turn-batching-redis';

export interface RedisConnectionOptions {
  /** `redis://` or `rediss://` (REDIS_URL). */
  url: string;
  /** Prefix of every key and channel, so several deployments (or test runs) can share a Redis. */
  keyPrefix: string;
  /** How long one connection attempt, and the wait for Redis when the service starts, may take. */
  connectTimeoutMs?: number;
}

export const REDIS_CONNECTION_OPTIONS = Symbol('REDIS_CONNECTION_OPTIONS');

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const MAX_RECONNECT_DELAY_MS = 2_000;
const PING_TIMEOUT_MS = 2_000;
const QUIT_TIMEOUT_MS = 1_000;
/** How long `beforeClose` work may take at shutdown: a Redis that does not answer must not hold it up. */
const LAST_WORK_TIMEOUT_MS = 1_000;
const DISCONNECT_TIMEOUT_MS = 200;

/** Exponential from 100 ms, capped at 2 s, with jitter so instances do not reconnect in lockstep. */
function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** ioredis's pending reconnect attempt, which its typings keep private. */
interface PendingReconnect {
  reconnectTimeout: NodeJS.Timeout | null;
}

interface WatchedConnection {
  name: string;
  connection: Redis;
  health: ConnectionHealth;
}

/**
 * The one place Redis connections are made: every one gets the same options, an `error` listener,
 * and one log line when it is lost and one when it recovers, however many reconnect attempts lie
 * between. At start, every connection made must be ready within the connect timeout or the service
 * fails to start; after that, connections reconnect for ever and `ping` reports whether all answer.
 * All are closed on application shutdown.
 */
@Injectable()
export class RedisConnections implements OnModuleInit, OnApplicationShutdown {
  readonly keyPrefix: string;
  private readonly connectTimeoutMs: number;
  private readonly logger = new Logger('Redis');
  private watched: WatchedConnection[] = [];
  /** Until the start check passed, connection failures are its to report, in one line. */
  private started = false;
  private closing = false;
  private readonly lastWork: (() => Promise<void>)[] = [];

  constructor(@Inject(REDIS_CONNECTION_OPTIONS) private readonly options: RedisConnectionOptions) {
    this.keyPrefix = options.keyPrefix;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** A connection for commands; with `batchWrites`, the commands of one event-loop turn go out in one write. */
  open(name: string, { batchWrites = false }: { batchWrites?: boolean } = {}): Redis {
    const options = {
      // A command sent while Redis is away fails within three reconnect attempts, not when it returns.
      maxRetriesPerRequest: 2,
      retryStrategy: reconnectDelayMs,
      connectTimeout: this.connectTimeoutMs,
      connectionName: `${this.keyPrefix}${name}`,
      // Disconnects are for connections that are down or do not answer: their sockets are not waited for.
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    } satisfies RedisOptions;
    return this.watch(
      name,
      batchWrites
        ? new TurnBatchingRedis(this.options.url, options)
        : new Redis(this.options.url, options),
    );
  }

  /** A publishing connection and a `duplicate()` of it for subscribing (a subscribed connection runs nothing else). */
  openPubSub(
    name: string,
    { batchWrites = false }: { batchWrites?: boolean } = {},
  ): { publisher: Redis; subscriber: RedisSubscriber } {
    const publisher = this.open(`${name}-publisher`, { batchWrites });
    const subscriberName = `${name}-subscriber`;
    const subscriber = this.watch(
      subscriberName,
      publisher.duplicate({
        connectionName: `${this.keyPrefix}${subscriberName}`,
        // RedisSubscriber subscribes again itself: ioredis's own SUBSCRIBE has no failure handler, and
        // one failing (Redis gone again as the connection came back) was an unhandled rejection.
        autoResubscribe: false,
      }),
    );
    return {
      publisher,
      subscriber: new RedisSubscriber(subscriber, subscriberName, this.connectTimeoutMs),
    };
  }

  async onModuleInit(): Promise<void> {
    await this.whenReady();
  }

  /**
   * The start check: resolves when every connection made so far is ready; fails with one line on the
   * first connection error or after the connect timeout. The connections are closed by `close`.
   */
  async whenReady(): Promise<void> {
    try {
      await withTimeout(
        Promise.all(this.watched.map((watched) => this.readyOrFailed(watched))),
        this.connectTimeoutMs,
        `no answer within ${this.connectTimeoutMs} ms`,
      );
    } catch (error) {
      throw new Error(`cannot reach Redis at REDIS_URL: ${(error as Error).message}`);
    }
    this.started = true;
  }

  /** Resolves when every connection is ready and answers PING (readiness); else says which is not. */
  async ping(): Promise<void> {
    for (const { name, connection, health } of this.watched) {
      if (connection.status !== 'ready')
        throw new Error(
          `connection ${name} is ${health.isDown ? `down (${health.reason})` : connection.status}`,
        );
    }
    await withTimeout(
      Promise.all(this.watched.map(({ connection }) => connection.ping())),
      PING_TIMEOUT_MS,
      `no PING reply within ${PING_TIMEOUT_MS} ms`,
    );
  }

  /**
   * Work that needs Redis one last time at shutdown (presence's retire), run before the connections
   * close. A hook of its own would not do: RedisModule and its users are global modules, and Nest
   * runs global modules' shutdown hooks in no order that imports control.
   */
  beforeClose(work: () => Promise<void>): void {
    this.lastWork.push(work);
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await withTimeout(
        Promise.all(this.lastWork.map((work) => work())),
        LAST_WORK_TIMEOUT_MS,
        `not finished within ${LAST_WORK_TIMEOUT_MS} ms`,
      );
    } catch (error) {
      this.logger.warn(`closing without the last work: ${(error as Error).message}`);
    }
    await this.close();
  }

  /** QUIT on every connection, or a plain disconnect where Redis is down or does not answer in time. */
  async close(): Promise<void> {
    this.closing = true;
    const closing = this.watched;
    this.watched = [];
    await Promise.all(
      closing.map(async ({ connection }) => {
        if (connection.status !== 'ready') {
          connection.disconnect();
          return;
        }
        try {
          await withTimeout(connection.quit(), QUIT_TIMEOUT_MS, 'no QUIT reply');
        } catch {
          connection.disconnect();
        }
      }),
    );
  }

  private watch(name: string, connection: Redis): Redis {
    const health = new ConnectionHealth();
    connection.on('error', (error: Error) => health.failed(error.message));
    connection.on('close', () => this.report(name, health.closed(Date.now(), !this.started)));
    connection.on('ready', () => {
      const change = health.ready(Date.now());
      this.report(name, change);
      if (change?.kind === 'recovered') this.wakeReconnecting();
    });
    this.watched.push({ name, connection, health });
    return connection;
  }

  /**
   * Redis is back: the connections still waiting out a reconnect delay (up to 2 s) try now. A
   * subscriber a backoff step behind its publisher misses what is published in between, which each
   * room then reads from PostgreSQL. The delay's own attempt is cancelled: ioredis keeps it in
   * `reconnectTimeout` (private in its typings), and left to fire it would reconnect a connection
   * closed by then.
   */
  private wakeReconnecting(): void {
    if (this.closing) return;
    for (const { connection } of this.watched) {
      if (connection.status !== 'reconnecting') continue;
      const waiting = connection as unknown as PendingReconnect;
      clearTimeout(waiting.reconnectTimeout ?? undefined);
      waiting.reconnectTimeout = null;
      connection.connect().catch(() => undefined);
    }
  }

  private readyOrFailed({ connection, health }: WatchedConnection): Promise<void> {
    if (connection.status === 'ready') return Promise.resolve();
    if (health.isDown) return Promise.reject(new Error(health.reason));
    return new Promise((resolve, reject) => {
      const settle = (error?: Error) => {
        connection.off('ready', onReady);
        connection.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => settle();
      // Registered after the watch's own listener, so the health already holds the reason.
      const onClose = () => settle(new Error(health.reason));
      connection.on('ready', onReady);
      connection.on('close', onClose);
    });
  }

  private report(name: string, change: ConnectionChange): void {
    if (!change || this.closing) return;
    switch (change.kind) {
      case 'lost':
        this.logger.warn(`connection ${name} lost (${change.reason}); reconnecting`);
        break;
      case 'unreachable':
        this.logger.warn(`connection ${name} cannot connect (${change.reason}); retrying`);
        break;
      case 'recovered':
        this.logger.log(
          `connection ${name} recovered after ${(change.downForMs / 1000).toFixed(1)} s`,
        );
        break;
    }
  }
}
