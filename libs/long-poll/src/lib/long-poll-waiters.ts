import {
  BeforeApplicationShutdown,
  HttpStatus,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { SwitchboardConfig } from '@switchboard/config';
import { apiError } from '@switchboard/http';
import { MetricsRegistry } from '@switchboard/observability';
import type { ServerResponse } from 'node:http';
import { Gauge } from 'prom-client';

/** What a client refused for want of room is told to wait before it polls again. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Asks Node to close the connection once the answer is sent: the HTTP server, closing, waits for
 * kept-alive connections, and the client's next poll should go to another instance anyway.
 */
function closeAfterAnswer(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}

/** One held request, as `LongPollWaiters.hold` runs it. */
export interface LongPoll<T> {
  /** How long to hold the request when nothing arrives, in milliseconds. */
  waitMs: number;
  /** The request's response: its early close (the client went away) frees the waiter. */
  response: ServerResponse;
  /**
   * Starts listening for events that may answer the request, calling `wake` for each; resolves once
   * listening, so nothing published after it is missed. Returns how to stop.
   */
  watch(wake: () => void): Promise<() => void>;
  /** What there is now: the first read (which may also check access), and the one after each wake. */
  read(): Promise<T>;
  /** Whether a read has anything new, so the request is answered with it. */
  answers(result: T): boolean;
}

/**
 * A held request between reads: `next` resolves with `woken` when an event arrived since the last
 * read, or with `released` once its time is up, its client has gone or the instance shuts down.
 */
class Waiter {
  private woken = false;
  private released = false;
  private notify: (() => void) | undefined;

  wake(): void {
    this.woken = true;
    this.notify?.();
  }

  release(): void {
    this.released = true;
    this.notify?.();
  }

  async next(): Promise<'woken' | 'released'> {
    if (!this.released && !this.woken)
      await new Promise<void>((resolve) => (this.notify = resolve));
    this.notify = undefined;
    if (this.released) return 'released';
    this.woken = false;
    return 'woken';
  }
}

/**
 * The long-poll requests this instance holds: at most LONG_POLL_MAX_WAITERS (beyond it, 503 with
 * Retry-After), counted in a gauge, and all answered at once when the instance shuts down. Every
 * held request reads again when the bus subscription is back after a loss: what was published
 * meanwhile woke nobody, and would otherwise wait for the request's `wait` to run out.
 */
@Injectable()
export class LongPollWaiters implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly held = new Set<Waiter>();
  private closing = false;
  private readonly gauge: Gauge;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly config: SwitchboardConfig,
    { registry }: MetricsRegistry,
    private readonly bus: MessageBus,
  ) {
    this.gauge = new Gauge({
      name: 'switchboard_long_polls_held',
      help: 'Long-poll requests held on this instance, waiting for something new',
      registers: [registry],
    });
  }

  /**
   * Reads at once and answers if there is something new; else holds the request and reads again,
   * once, after each event `watch` reports, until a read answers. With nothing by `waitMs`, when the
   * client goes away or at shutdown, answers with the last read (an empty page): waiting costs no query.
   */
  async hold<T>(poll: LongPoll<T>): Promise<T> {
    // A stopping instance holds nothing new: the client gets what there is and polls again elsewhere.
    if (this.closing) {
      closeAfterAnswer(poll.response);
      return poll.read();
    }
    if (this.held.size >= this.config.longPollMaxWaiters) {
      poll.response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      throw apiError(HttpStatus.SERVICE_UNAVAILABLE, {
        code: 'unavailable',
        message: `this instance already holds ${this.config.longPollMaxWaiters} long-poll requests; retry, or poll without wait`,
        retryAfterMs: RETRY_AFTER_SECONDS * 1000,
      });
    }
    const waiter = new Waiter();
    const release = () => waiter.release();
    const timer = setTimeout(release, poll.waitMs);
    poll.response.once('close', release);
    this.held.add(waiter);
    this.gauge.inc();
    let stopWatching: (() => void) | undefined;
    try {
      stopWatching = await poll.watch(() => waiter.wake());
      let result = await poll.read();
      while (!poll.answers(result) && (await waiter.next()) === 'woken') result = await poll.read();
      if (this.closing) closeAfterAnswer(poll.response);
      return result;
    } finally {
      stopWatching?.();
      clearTimeout(timer);
      poll.response.off('close', release);
      this.held.delete(waiter);
      this.gauge.dec();
    }
  }

  onApplicationBootstrap(): void {
    this.stopListening = this.bus.onResubscribed(() => {
      for (const waiter of this.held) waiter.wake();
    });
  }

  /** Before the HTTP server closes: every held request is answered, so the server can close at once. */
  beforeApplicationShutdown(): void {
    this.stopListening?.();
    this.closing = true;
    for (const waiter of this.held) waiter.release();
  }
}
