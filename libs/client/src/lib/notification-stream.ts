import type { HttpErrorBody, Notification, NotificationReadState } from '@switchboard/protocol';
import { BackoffPolicy, DEFAULT_BACKOFF, reconnectDelay } from './backoff';
import { ServerSentEventParser, ServerSentEvent } from './notification-stream-parser';

export interface NotificationStreamOptions {
  /** The notifications service's HTTP base URL, for example `https://notify.example.com`. */
  url: string;
  /** Called before every (re)connection and HTTP call, so a refreshed token is used. */
  token: () => string | Promise<string>;
  /**
   * Resume after this notification id: every later one is replayed first (the stream's `Last-Event-ID`).
   * Without it, and until the first notification arrives, a reconnection has no position to resume
   * from: what was published while it was down is not replayed (`unread` and `list` show it).
   */
  lastEventId?: string;
  /** Backoff of reconnections after the stream ends or fails. */
  reconnect?: Partial<BackoffPolicy>;
  /**
   * With no bytes (the server's keep-alive comments included, every 15 s) for this long, the stream
   * is taken for dead and reopened. Default 45 000.
   */
  idleTimeoutMs?: number;
  /** Defaults to the global `fetch` (browsers, Node 20). */
  fetch?: typeof fetch;
}

export type NotificationStreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** An HTTP failure of the notifications service, with its status and the protocol's error code. */
export class NotificationStreamError extends Error {
  override readonly name = 'NotificationStreamError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface NotificationStreamEvents {
  /** A notification, live or replayed after a reconnect: each once, in id order. */
  notification: (notification: Notification) => void;
  /** The user read up to `lastReadId`, on this or another of their devices. */
  read: (state: NotificationReadState) => void;
  state: (state: NotificationStreamState) => void;
  /** A refused or failed connection (401 and 403 included); reconnecting goes on unless it is final. */
  error: (error: NotificationStreamError) => void;
}

export interface NotificationPage {
  notifications: Notification[];
  hasMore: boolean;
}

const DEFAULT_IDLE_TIMEOUT_MS = 45_000;

/**
 * The user's notifications over server-sent events, read with `fetch` (so the token goes in the
 * `Authorization` header, in browsers and in Node 20 alike): the stream resumes after the last id
 * received (`Last-Event-ID`), so nothing is missed or repeated across reconnections, and reconnects
 * back off with full jitter. A 401 or 403 calls `token()` again once; refused again, the stream closes.
 */
export class SwitchboardNotifications {
  private state: NotificationStreamState = 'closed';
  private lastId: string | undefined;
  private attempt = 0;
  /** Consecutive refusals (401, 403): the second one in a row ends the stream. */
  private refusals = 0;
  private abort: AbortController | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners: {
    [K in keyof NotificationStreamEvents]: Set<NotificationStreamEvents[K]>;
  } = { notification: new Set(), read: new Set(), state: new Set(), error: new Set() };
  private readonly backoff: BackoffPolicy;
  private readonly base: string;

  constructor(private readonly options: NotificationStreamOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.reconnect };
    this.lastId = options.lastEventId;
    this.base = options.url.replace(/\/+$/, '');
  }

  on<K extends keyof NotificationStreamEvents>(
    event: K,
    listener: NotificationStreamEvents[K],
  ): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  get connectionState(): NotificationStreamState {
    return this.state;
  }

  /** The id of the last notification received: the stream resumes after it. */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  /**
   * Opens the stream and keeps it open (reconnecting as needed) until `close`; resolves once open,
   * rejects with the error if it is refused for good (a second 401 or 403 in a row). `after` resumes
   * after that id (every later notification is replayed first) unless a later one was received.
   */
  connect(after?: string): Promise<void> {
    if (after !== undefined && (this.lastId === undefined || BigInt(after) > BigInt(this.lastId)))
      this.lastId = after;
    if (this.state === 'open') return Promise.resolve();
    const opened = new Promise<void>((resolve, reject) => {
      const stopState = this.on('state', (state) => {
        if (state === 'open') {
          stop();
          resolve();
        } else if (state === 'closed') {
          stop();
          reject(
            lastError ??
              new NotificationStreamError(0, 'connection_closed', 'the stream was closed'),
          );
        }
      });
      let lastError: NotificationStreamError | undefined;
      const stopError = this.on('error', (error) => (lastError = error));
      const stop = () => {
        stopState();
        stopError();
      };
    });
    if (this.state === 'closed') {
      this.setState('connecting');
      void this.open();
    }
    return opened;
  }

  /** Closes for good; `connect` opens again, resuming after the last id received. */
  close(): void {
    clearTimeout(this.reconnectTimer);
    this.abort?.abort();
    this.abort = undefined;
    this.setState('closed');
  }

  /** The user's notifications after `after` (an id), oldest first: `GET /notifications`. */
  async list(query: { after?: string; limit?: number } = {}): Promise<NotificationPage> {
    const search = new URLSearchParams();
    if (query.after !== undefined) search.set('after', query.after);
    if (query.limit !== undefined) search.set('limit', String(query.limit));
    const suffix = search.toString() ? `?${search.toString()}` : '';
    return (await this.call('GET', `/notifications${suffix}`)) as NotificationPage;
  }

  /** How many notifications the user has not read, and up to where they read: `GET /notifications/unread`. */
  async unread(): Promise<NotificationReadState> {
    return (await this.call('GET', '/notifications/unread')) as NotificationReadState;
  }

  /**
   * Marks every notification up to `lastReadId` as read (a position never moves back); the user's
   * other streams get a `read` event. Resolves with the read state now.
   */
  async markRead(lastReadId: string): Promise<NotificationReadState> {
    return (await this.call('POST', '/notifications/read', {
      lastReadId,
    })) as NotificationReadState;
  }

  private get fetch(): typeof fetch {
    return this.options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${await this.options.token()}`,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this.fetch(`${this.base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw await failure(response);
    return response.json();
  }

  private async open(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const idleTimeoutMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const alive = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => abort.abort(), idleTimeoutMs);
    };
    try {
      const headers: Record<string, string> = {
        Accept: 'text/event-stream',
        Authorization: `Bearer ${await this.options.token()}`,
      };
      if (this.lastId !== undefined) headers['Last-Event-ID'] = this.lastId;
      alive();
      const response = await this.fetch(`${this.base}/notifications/stream`, {
        headers,
        signal: abort.signal,
      });
      if (!response.ok || !response.body) {
        const error = response.ok
          ? new NotificationStreamError(response.status, 'http_error', 'the response has no body')
          : await failure(response);
        if (error.status === 401 || error.status === 403) this.refusals++;
        this.emitError(error);
        if (this.refusals >= 2) {
          this.close();
          return;
        }
      } else {
        this.refusals = 0;
        this.attempt = 0;
        this.setState('open');
        await this.consume(response.body, alive);
      }
    } catch (error) {
      // Aborted by close() or by the idle timer, or a network failure: both end in a reconnection.
      if (this.abort === abort && !abort.signal.aborted)
        this.emitError(new NotificationStreamError(0, 'network_error', String(error)));
    } finally {
      clearTimeout(idleTimer);
    }
    if (this.abort !== abort || this.state === 'closed') return;
    this.retryLater();
  }

  private async consume(body: ReadableStream<Uint8Array>, alive: () => void): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = new ServerSentEventParser((event) => this.dispatch(event));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      alive();
      parser.push(decoder.decode(value, { stream: true }));
    }
  }

  private dispatch(event: ServerSentEvent): void {
    switch (event.event) {
      case 'notification': {
        const notification = JSON.parse(event.data) as Notification;
        // Ids grow per user: one at or below the last is a replay already delivered.
        if (this.lastId !== undefined && BigInt(notification.id) <= BigInt(this.lastId)) return;
        this.lastId = notification.id;
        for (const listener of this.listeners.notification) listener(notification);
        return;
      }
      case 'read': {
        const state = JSON.parse(event.data) as NotificationReadState;
        for (const listener of this.listeners.read) listener(state);
        return;
      }
      default:
        // Events of later versions are ignored, as EventSource would leave them unheard.
        return;
    }
  }

  private retryLater(): void {
    this.setState('reconnecting');
    const delay = reconnectDelay(this.attempt++, this.backoff);
    this.reconnectTimer = setTimeout(() => void this.open(), delay);
  }

  private emitError(error: NotificationStreamError): void {
    for (const listener of this.listeners.error) listener(error);
  }

  private setState(state: NotificationStreamState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.listeners.state) listener(state);
  }
}

async function failure(response: Response): Promise<NotificationStreamError> {
  let body: Partial<HttpErrorBody> = {};
  try {
    body = (await response.json()) as Partial<HttpErrorBody>;
  } catch {
    // Not the service's error body (a proxy's page, say): the status says enough.
  }
  return new NotificationStreamError(
    response.status,
    body.code ?? 'http_error',
    body.message ?? `HTTP ${response.status}`,
  );
}
