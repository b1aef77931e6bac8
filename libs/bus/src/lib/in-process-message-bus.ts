import { BusChannel, BusChannels } from '@switchboard/protocol';
import { MessageBus, topicOf } from './message-bus';

/** The bus for single-process mode: same contract as Redis, without a network. */
export class InProcessMessageBus extends MessageBus {
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

  /** Nothing to lose: there is no connection. */
  onResubscribed(_listener: () => void): () => void {
    return () => undefined;
  }

  /** Nothing to set up or tear down: `publish` dispatches straight to the registry. */
  protected listen(): Promise<void> {
    return Promise.resolve();
  }

  protected unlisten(): Promise<void> {
    return Promise.resolve();
  }
}
