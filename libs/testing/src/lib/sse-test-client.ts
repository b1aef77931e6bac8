import { request, IncomingMessage, ClientRequest } from 'node:http';
import { WAIT_TIMEOUT_MS } from './wait-timeout';

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** A real HTTP client for `text/event-stream`, parsing events as EventSource does. */
export class SseTestClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  private buffer = '';
  private waiters: { satisfied: () => boolean; resolve: () => void }[] = [];

  private constructor(
    readonly response: IncomingMessage,
    private readonly clientRequest: ClientRequest,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.consume(chunk));
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<SseTestClient> {
    return new Promise((resolve, reject) => {
      const clientRequest = request(
        url,
        { headers: { Accept: 'text/event-stream', ...headers } },
        (response) => resolve(new SseTestClient(response, clientRequest)),
      );
      clientRequest.on('error', reject);
      clientRequest.end();
    });
  }

  private consume(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = { data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('retry: ')) this.retry = Number(line.slice(7));
        else if (line.startsWith('id: ')) event.id = line.slice(4);
        else if (line.startsWith('event: ')) event.event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) {
        event.data = data.join('\n');
        this.events.push(event);
      }
    }
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.satisfied()) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Resolves once `count` events in all have arrived. */
  async waitForEvents(count: number, timeoutMs = WAIT_TIMEOUT_MS): Promise<SseEvent[]> {
    await this.waitUntil(
      () => this.events.length >= count,
      () => `expected ${count} events, got ${this.events.length}: ${JSON.stringify(this.events)}`,
      timeoutMs,
    );
    return this.events.slice(0, count);
  }

  /** Resolves once a comment line with this text has arrived. */
  waitForComment(text: string, timeoutMs = WAIT_TIMEOUT_MS): Promise<void> {
    return this.waitUntil(
      () => this.comments.includes(text),
      () => `no comment "${text}", got ${JSON.stringify(this.comments)}`,
      timeoutMs,
    );
  }

  /** Checked after every chunk received; rejects with `failure()` at the deadline. */
  private waitUntil(
    satisfied: () => boolean,
    failure: () => string,
    timeoutMs: number,
  ): Promise<void> {
    if (satisfied()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { satisfied, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        reject(new Error(failure()));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.clientRequest.destroy();
  }
}
