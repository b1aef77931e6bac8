import { Logger } from '@nestjs/common';
import { BusChannel, BusChannels } from '@switchboard/protocol';
import Redis from 'ioredis';
import { MessageBus, topicOf } from './message-bus';

/**
 * The bus over Redis pub/sub: one connection publishes, a `duplicate()` subscribes (a subscribed
 * connection can run nothing else). Each instance subscribes only to the topics it has handlers for.
 */
export class RedisMessageBus extends MessageBus {
  private readonly logger = new Logger(RedisMessageBus.name);
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  constructor(
    redisUrl: string,
    private readonly keyPrefix: string,
  ) {
    super();
    // Commands issued in one event-loop turn go out in one write: fewer syscalls per message.
    this.publisher = new Redis(redisUrl, { maxRetriesPerRequest: 2, enableAutoPipelining: true });
    this.subscriber = this.publisher.duplicate({ enableAutoPipelining: false });
    this.subscriber.on('message', (channel: string, raw: string) => {
      try {
        this.registry.dispatch(channel.slice(this.keyPrefix.length), raw);
      } catch (error) {
        this.logger.error(`dropped a bus message on ${channel}: ${(error as Error).message}`);
      }
    });
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('error', (error: Error) => this.logger.warn(`redis: ${error.message}`));
    }
  }

  async publish<K extends BusChannel>(
    channel: K,
    key: string,
    payload: BusChannels[K],
  ): Promise<void> {
    await this.publisher.publish(this.keyPrefix + topicOf(channel, key), JSON.stringify(payload));
  }

  protected async listen(topic: string): Promise<void> {
    await this.subscriber.subscribe(this.keyPrefix + topic);
  }

  protected async unlisten(topic: string): Promise<void> {
    await this.subscriber.unsubscribe(this.keyPrefix + topic);
  }

  async ping(): Promise<void> {
    await this.publisher.ping();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }
}
