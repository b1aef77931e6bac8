import { BusChannel, BusChannels } from '@switchboard/protocol';

/** Receives one published payload; `raw` is its JSON text, for handlers that forward it unchanged. */
export type BusHandler<K extends BusChannel> = (payload: BusChannels[K], raw: string) => void;
export type Unsubscribe = () => Promise<void>;

/**
 * Typed publish/subscribe between every instance of every service. Delivery is at most once and in
 * publish order per publisher; durable state lives in PostgreSQL, and clients recover gaps from there.
 * Implementations say how to publish and how to start and stop listening to a topic; which topics
 * need listening (those with at least one handler) is decided here.
 */
export abstract class MessageBus {
  protected readonly registry = new HandlerRegistry();
  /** Each topic's listen, settled or under way, while the topic has handlers. */
  private readonly listening = new Map<string, Promise<void>>();

  abstract publish<K extends BusChannel>(
    channel: K,
    key: string,
    payload: BusChannels[K],
  ): Promise<void>;
  protected abstract listen(topic: string): Promise<void>;
  protected abstract unlisten(topic: string): Promise<void>;

  /**
   * `listener` runs each time this instance's subscriptions are back after it lost them: what was
   * published meanwhile never arrives. Returns a function that removes it.
   */
  abstract onResubscribed(listener: () => void): () => void;

  /**
   * Resolves once the topic is listened to. A handler added while the topic's first listen is still
   * under way waits for that listen and fails with it: resolving at once would leave it registered
   * on a topic nobody listens to if that listen failed (Redis down), deaf until it unsubscribed.
   */
  async subscribe<K extends BusChannel>(
    channel: K,
    key: string,
    handler: BusHandler<K>,
  ): Promise<Unsubscribe> {
    const topic = topicOf(channel, key);
    const untyped = handler as AnyHandler;
    let listening: Promise<void>;
    if (this.registry.add(topic, untyped)) {
      listening = this.listen(topic);
      this.listening.set(topic, listening);
    } else {
      listening = this.listening.get(topic) ?? Promise.resolve();
    }
    try {
      await listening;
    } catch (error) {
      // Forgotten, so the next subscriber to the topic tries to listen again instead of staying deaf.
      this.registry.remove(topic, untyped);
      if (this.listening.get(topic) === listening) this.listening.delete(topic);
      throw error;
    }
    return async () => {
      if (!this.registry.remove(topic, untyped)) return;
      this.listening.delete(topic);
      await this.unlisten(topic);
    };
  }
}

type AnyHandler = (payload: unknown, raw: string) => void;

/** Handlers by topic; tells its owner when a topic gains its first or loses its last handler. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, Set<AnyHandler>>();

  /** Returns true when this is the topic's first handler. */
  add(topic: string, handler: AnyHandler): boolean {
    const existing = this.handlers.get(topic);
    if (existing) {
      existing.add(handler);
      return false;
    }
    this.handlers.set(topic, new Set([handler]));
    return true;
  }

  /** Returns true when the topic has no handler left. */
  remove(topic: string, handler: AnyHandler): boolean {
    const existing = this.handlers.get(topic);
    if (!existing?.delete(handler)) return false;
    if (existing.size > 0) return false;
    this.handlers.delete(topic);
    return true;
  }

  /** Parses `raw` once and hands the same payload to every handler of the topic. */
  dispatch(topic: string, raw: string): void {
    const handlers = this.handlers.get(topic);
    if (!handlers) return;
    const payload: unknown = JSON.parse(raw);
    for (const handler of handlers) handler(payload, raw);
  }
}

export function topicOf(channel: BusChannel, key: string): string {
  return `${channel}:${key}`;
}
