import { Logger } from '@nestjs/common';
import { BusChannel, BusChannels } from '@switchboard/protocol';
import { RedisConnections, RedisSubscriber } from '@switchboard/redis';
import type Redis from 'ioredis';
import { MessageBus, topicOf } from './message-bus';

/**
 * The bus over Redis pub/sub: one connection publishes, its `duplicate()` subscribes (both from
 * `RedisConnections`). Each instance subscribes only to the topics it has handlers for.
 */
export class RedisMessageBus extends MessageBus {
  private readonly logger = new Logger(RedisMessageBus.name);
  private readonly keyPrefix: string;
  private readonly publisher: Redis;
  private readonly subscriber: RedisSubscriber;

  constructor(connections: RedisConnections) {
    super();
    this.keyPrefix = connections.keyPrefix;
    // Commands issued in one event-loop turn go out in one write: fewer syscalls per message.
    const { publisher, subscriber } = connections.openPubSub('bus', { batchWrites: true });
    this.publisher = publisher;
    this.subscriber = subscriber;
    this.subscriber.onMessage((channel, raw) => {
      try {
        this.registry.dispatch(channel.slice(this.keyPrefix.length), raw);
      } catch (error) {
        this.logger.error(`dropped a bus message on ${channel}: ${(error as Error).message}`);
      }
    });
  }

  async publish<K extends BusChannel>(
    channel: K,
    key: string,
    payload: BusChannels[K],
  ): Promise<void> {
    await this.publisher.publish(this.keyPrefix + topicOf(channel, key), JSON.stringify(payload));
  }

  onResubscribed(listener: () => void): () => void {
    return this.subscriber.onResubscribed(listener);
  }

  protected async listen(topic: string): Promise<void> {
    await this.subscriber.subscribe(this.keyPrefix + topic);
  }

  /** A topic left subscribed (Redis down) is harmless: with no handler, its messages are dropped. */
  protected async unlisten(topic: string): Promise<void> {
    try {
      await this.subscriber.unsubscribe(this.keyPrefix + topic);
    } catch (error) {
      this.logger.debug(`left ${topic} subscribed: ${(error as Error).message}`);
    }
  }
}
