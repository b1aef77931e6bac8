import type Redis from 'ioredis';

/**
 * A connection in subscriber mode, made by `RedisConnections.openPubSub`. SUBSCRIBE is sent only once
 * the connection is ready: ioredis 5.8.2 to 5.x sent one issued during the connect handshake ahead of
 * its INFO ready check, which then failed and left the connection deaf. After a reconnect ioredis
 * subscribes again to every channel by itself (`autoResubscribe`).
 */
export class RedisSubscriber {
  constructor(
    private readonly connection: Redis,
    readonly name: string,
    private readonly readyTimeoutMs: number,
  ) {}

  onMessage(listener: (channel: string, message: string) => void): void {
    this.connection.on('message', listener);
  }

  /** Resolves once Redis confirmed the subscription; rejects when the connection is not ready in time. */
  async subscribe(channel: string): Promise<void> {
    await this.ready();
    await this.connection.subscribe(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    await this.connection.unsubscribe(channel);
  }

  private ready(): Promise<void> {
    const { connection } = this;
    if (connection.status === 'ready') return Promise.resolve();
    if (connection.status === 'end')
      return Promise.reject(new Error(`Redis connection ${this.name} is closed`));
    return new Promise((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        connection.off('ready', onReady);
        connection.off('end', onEnd);
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
  }
}
