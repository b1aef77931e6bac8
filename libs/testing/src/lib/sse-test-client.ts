import { request, IncomingMessage, ClientRequest } from 'node:http';

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
  private waiters: { count: number; resolve: () => void }[] = [];

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
      if (this.events.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Resolves once `count` events in all have arrived. */
  waitForEvents(count: number, timeoutMs = 5000): Promise<SseEvent[]> {
    if (this.events.length >= count) return Promise.resolve(this.events.slice(0, count));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `expected ${count} events, got ${this.events.length}: ${JSON.stringify(this.events)}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => (clearTimeout(timer), resolve(this.events.slice(0, count))),
      });
    });
  }

  close(): void {
    this.clientRequest.destroy();
  }
}
