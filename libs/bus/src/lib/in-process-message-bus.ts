import { BusChannel, BusChannels } from '@switchboard/protocol';
import { BusHandler, HandlerRegistry, MessageBus, topicOf, Unsubscribe } from './message-bus';

/** The bus for single-process mode: same contract as Redis, without a network. */
export class InProcessMessageBus extends MessageBus {
  private readonly registry = new HandlerRegistry();

  async publish<K extends BusChannel>(
    channel: K,
    key: string,
    payload: BusChannels[K],
  ): Promise<void> {
    const topic = topicOf(channel, key);
    const raw = JSON.stringify(payload);
    // Delivered after the publisher continues, as over Redis, so no code can rely on synchronous delivery.
    queueMicrotask(() => this.registry.dispatch(topic, raw));
  }

  async subscribe<K extends BusChannel>(
    channel: K,
    key: string,
    handler: BusHandler<K>,
  ): Promise<Unsubscribe> {
    const topic = topicOf(channel, key);
    const untyped = handler as (payload: unknown, raw: string) => void;
    this.registry.add(topic, untyped);
    return async () => {
      this.registry.remove(topic, untyped);
    };
  }

  /** Always reachable: it lives in this process. */
  ping(): Promise<void> {
    return Promise.resolve();
  }
}
