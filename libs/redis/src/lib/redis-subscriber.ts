import type Redis from 'ioredis';

/**
 * A connection in subscriber mode, made by `RedisConnections.openPubSub`. SUBSCRIBE is sent only once
 * the connection is ready: ioredis 5.8.2 to 5.x sent one issued during the connect handshake ahead of
 * its INFO ready check, which then failed and left the connection deaf. After a reconnect this
 * subscribes again to every channel Redis had confirmed (ioredis's `autoResubscribe` is off: its
 * SUBSCRIBE had no failure handler), and tells `onResubscribed` listeners once Redis has confirmed
 * it, since whatever was published in between never arrives.
 */
export class RedisSubscriber {
  private readonly channels = new Set<string>();
  private readonly resubscribedListeners = new Set<() => void>();
  /** The connection closed while subscribed: on its next `ready` every channel is subscribed again and announced. */
  private lost = false;
  /** The wait for `ready` that subscribes issued while the connection is not ready share. */
  private readyWait: Promise<void> | undefined;

  constructor(
    private readonly connection: Redis,
    readonly name: string,
    private readonly readyTimeoutMs: number,
  ) {
    connection.on('close', () => {
      if (this.channels.size > 0) this.lost = true;
    });
    connection.on('ready', () => {
      if (this.lost) void this.resubscribe();
    });
  }

  onMessage(listener: (channel: string, message: string) => void): void {
    this.connection.on('message', listener);
  }

  /**
   * `listener` runs each time the subscriptions are back after the connection was lost: messages
   * published while it was down were not received. Returns a function that removes it.
   */
  onResubscribed(listener: () => void): () => void {
    this.resubscribedListeners.add(listener);
    return () => this.resubscribedListeners.delete(listener);
  }

  /** Resolves once Redis confirmed the subscription; rejects when the connection is not ready in time. */
  async subscribe(channel: string): Promise<void> {
    await this.ready();
    await this.connection.subscribe(channel);
    this.channels.add(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.channels.delete(channel);
    await this.connection.unsubscribe(channel);
  }

  /**
   * Subscribes again to every confirmed channel. A connection lost again meanwhile fails this one
   * and does it on its next `ready`.
   */
  private async resubscribe(): Promise<void> {
    if (this.channels.size === 0) return;
    try {
      await this.connection.subscribe(...this.channels);
    } catch {
      return;
    }
    this.lost = false;
    for (const listener of this.resubscribedListeners) listener();
  }

  /**
   * Resolves when the connection is ready. Every subscribe issued meanwhile shares one wait (one pair
   * of listeners, whatever the number of rooms joined during an outage), which fails after the
   * connect timeout or when the connection is closed for good.
   */
  private ready(): Promise<void> {
    const { connection } = this;
    if (connection.status === 'ready') return Promise.resolve();
    if (connection.status === 'end')
      return Promise.reject(new Error(`Redis connection ${this.name} is closed`));
    this.readyWait ??= new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        connection.off('ready', onReady);
        connection.off('end', onEnd);
        this.readyWait = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => settle();
      const onEnd = () => settle(new Error(`Redis connection ${this.name} is closed`));
      const timer = setTimeout(
        () =>
          settle(
            new Error(
              `Redis connection ${this.name} not ready within ${this.readyTimeoutMs} ms (${connection.status})`,
            ),
          ),
        this.readyTimeoutMs,
      );
      connection.on('ready', onReady);
      connection.on('end', onEnd);
    });
    return this.readyWait;
  }
}
