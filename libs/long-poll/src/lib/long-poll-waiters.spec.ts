import { HttpException } from '@nestjs/common';
import type { MessageBus } from '@switchboard/bus';
import { SwitchboardConfig } from '@switchboard/config';
import { MetricsRegistry } from '@switchboard/observability';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { LongPoll, LongPollWaiters } from './long-poll-waiters';

/** A response that records headers and can be closed like a client going away. */
class FakeResponse extends EventEmitter {
  readonly headers = new Map<string, string>();
  readonly headersSent = false;
  setHeader(name: string, value: string): this {
    this.headers.set(name, value);
    return this;
  }
  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

/** A source of events and pages: `publish` adds an item and wakes the watchers; reads are counted. */
class FakeSource {
  items: number[] = [];
  reads = 0;
  watching = 0;
  private readonly wakers = new Set<() => void>();

  poll(response: FakeResponse, waitMs = 60_000, after = 0): LongPoll<number[]> {
    return {
      waitMs,
      response: response.asResponse(),
      watch: async (wake) => {
        this.wakers.add(wake);
        this.watching++;
        return () => {
          this.wakers.delete(wake);
          this.watching--;
        };
      },
      read: async () => {
        this.reads++;
        return this.items.filter((item) => item > after);
      },
      answers: (items) => items.length > 0,
    };
  }

  publish(item: number): void {
    this.items.push(item);
    for (const wake of this.wakers) wake();
  }
}

const config = (maxWaiters: number) =>
  ({ longPollMaxWaiters: maxWaiters }) as unknown as SwitchboardConfig;

async function heldGauge(metrics: MetricsRegistry): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('switchboard_long_polls_held')?.get();
  return metric?.values[0]?.value ?? NaN;
}

/**
 * A bus whose subscription can be made to come back after a loss, as Redis's does: only
 * `onResubscribed` is used by the waiters.
 */
function resubscribingBus(): { bus: MessageBus; resubscribed: () => void } {
  const listeners = new Set<() => void>();
  const bus = {
    onResubscribed: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as MessageBus;
  return { bus, resubscribed: () => listeners.forEach((listener) => listener()) };
}

/** Lets pending promise callbacks run (the waiter is registered after `watch` resolves). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('LongPollWaiters', () => {
  let metrics: MetricsRegistry;
  let source: FakeSource;
  let bus: MessageBus;
  let resubscribed: () => void;

  beforeEach(() => {
    metrics = new MetricsRegistry();
    source = new FakeSource();
    ({ bus, resubscribed } = resubscribingBus());
  });

  it('answers at once with what there is, holding nothing', async () => {
    const waiters = new LongPollWaiters(config(10), metrics, bus);
    source.items = [1, 2];
    await expect(waiters.hold(source.poll(new FakeResponse()))).resolves.toEqual([1, 2]);
    expect(source.reads).toBe(1);
    expect(source.watching).toBe(0);
    expect(await heldGauge(metrics)).toBe(0);
  });

  it('reads nothing while waiting and once per event, and answers with the first read that has something', async () => {
    const waiters = new LongPollWaiters(config(10), metrics, bus);
    const answer = waiters.hold(source.poll(new FakeResponse(), 60_000, 5));
    await settle();
    expect(source.reads).toBe(1);
    expect(await heldGauge(metrics)).toBe(1);

    source.publish(3); // not past the cursor: read once, still empty, still held
    await settle();
    expect(source.reads).toBe(2);
    source.publish(7);
    await expect(answer).resolves.toEqual([7]);
    expect(source.reads).toBe(3);
    expect(source.watching).toBe(0);
    expect(await heldGauge(metrics)).toBe(0);
  });

  it('answers with the empty read when the wait ends with nothing', async () => {
    const waiters = new LongPollWaiters(config(10), metrics, bus);
    await expect(waiters.hold(source.poll(new FakeResponse(), 20))).resolves.toEqual([]);
    expect(source.reads).toBe(1);
    expect(source.watching).toBe(0);
  });

  it('refuses a request beyond the bound with 503, Retry-After and retryAfterMs', async () => {
    const waiters = new LongPollWaiters(config(1), metrics, bus);
    const held = waiters.hold(source.poll(new FakeResponse()));
    const refused = new FakeResponse();
    const error = await waiters.hold(source.poll(refused)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(HttpException);
    expect((error as HttpException).getStatus()).toBe(503);
    expect((error as HttpException).getResponse()).toMatchObject({
      code: 'unavailable',
      retryAfterMs: 1000,
    });
    expect(refused.headers.get('Retry-After')).toBe('1');
    source.publish(1);
    await expect(held).resolves.toEqual([1]);
    // The freed place takes a new request.
    await expect(waiters.hold(source.poll(new FakeResponse()))).resolves.toEqual([1]);
  });

  it('frees the waiter of a client that goes away', async () => {
    const waiters = new LongPollWaiters(config(1), metrics, bus);
    const response = new FakeResponse();
    const answer = waiters.hold(source.poll(response));
    await settle();
    expect(await heldGauge(metrics)).toBe(1);
    response.emit('close');
    await expect(answer).resolves.toEqual([]);
    expect(source.watching).toBe(0);
    expect(await heldGauge(metrics)).toBe(0);
    expect(response.listenerCount('close')).toBe(0);
  });

  it('answers every held request at shutdown, and holds none after', async () => {
    const waiters = new LongPollWaiters(config(10), metrics, bus);
    const responses = [new FakeResponse(), new FakeResponse()];
    const answers = responses.map((response) => waiters.hold(source.poll(response)));
    await settle();
    expect(await heldGauge(metrics)).toBe(2);
    waiters.beforeApplicationShutdown();
    await expect(Promise.all(answers)).resolves.toEqual([[], []]);
    expect(source.reads).toBe(2);
    // Their connections close with the answer, so the closing HTTP server waits for no keep-alive.
    expect(responses.map((response) => response.headers.get('Connection'))).toEqual([
      'close',
      'close',
    ]);
    await expect(waiters.hold(source.poll(new FakeResponse()))).resolves.toEqual([]);
    expect(source.watching).toBe(0);
  });

  it('reads every held request again when the bus subscription is back: what was published meanwhile woke nobody', async () => {
    const waiters = new LongPollWaiters(config(10), metrics, bus);
    waiters.onApplicationBootstrap();
    const answer = waiters.hold(source.poll(new FakeResponse()));
    await settle();
    expect(source.reads).toBe(1);
    // Stored while the bus was away: no event reaches the watcher.
    source.items.push(1);
    resubscribed();
    await expect(answer).resolves.toEqual([1]);
    expect(source.reads).toBe(2);
    waiters.beforeApplicationShutdown();
  });

  it('does not hold a request whose watch fails', async () => {
    const waiters = new LongPollWaiters(config(1), metrics, bus);
    const poll = source.poll(new FakeResponse());
    await expect(
      waiters.hold({ ...poll, watch: () => Promise.reject(new Error('bus down')) }),
    ).rejects.toThrow('bus down');
    expect(await heldGauge(metrics)).toBe(0);
  });
});
