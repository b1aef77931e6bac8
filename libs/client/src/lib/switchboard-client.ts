import type {
  AckFrame,
  ChatMessage,
  ClientFrame,
  ErrorCode,
  JoinedFrame,
  LeftFrame,
  PongFrame,
  ServerFrame,
  UserRef,
} from '@switchboard/protocol';
import { BackoffPolicy, DEFAULT_BACKOFF, reconnectDelay } from './backoff';

/** The part of the WebSocket API the client uses: the browser's `WebSocket` and `ws` both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface SwitchboardClientOptions {
  /** The gateway's WebSocket URL, for example `wss://chat.example.com/ws`. */
  url: string;
  /** Called on every (re)connection, so a refreshed token is used after a reconnect. */
  token: () => string | Promise<string>;
  /** Opens a socket; defaults to the global `WebSocket` (browsers, Node 22+). In Node 20: `(url) => new WebSocket(url)` from `ws`. */
  createSocket?: (url: string) => WebSocketLike;
  reconnect?: Partial<BackoffPolicy>;
}

/** A frame the server refused, with the protocol's error code. */
export class SwitchboardError extends Error {
  override readonly name = 'SwitchboardError';
  constructor(
    readonly code: ErrorCode | 'connection_closed',
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ClientEvents {
  /** A room's messages, each once and in `seq` order, live or recovered after a reconnect. */
  message: (message: ChatMessage) => void;
  userJoined: (room: string, user: UserRef) => void;
  userLeft: (room: string, user: UserRef) => void;
  state: (state: ConnectionState) => void;
}

type Reply = JoinedFrame | LeftFrame | AckFrame | PongFrame;

interface PendingReply {
  resolve: (frame: Reply) => void;
  reject: (error: Error) => void;
}

interface OutgoingMessage {
  room: string;
  text: string;
  clientMsgId: string;
  resolve: (ack: AckFrame) => void;
  reject: (error: Error) => void;
}

/**
 * A Switchboard chat client that loses nothing across disconnections: joined rooms are joined again
 * with `since` (the last seq received, so missed messages are replayed, each once), unacknowledged
 * sends are sent again with the same `clientMsgId` (so none is stored twice), and reconnects back
 * off with full jitter. The server answers every frame exactly once and in order, which is how
 * replies are matched to requests.
 */
export class SwitchboardClient {
  private socket: WebSocketLike | null = null;
  private state: ConnectionState = 'closed';
  /** Rooms restored and the outbox flushed on the current connection: new sends may go out directly. */
  private ready = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly replies: PendingReply[] = [];
  private readonly rooms = new Map<string, { lastSeq: number }>();
  private readonly outbox = new Map<string, OutgoingMessage>();
  private readonly listeners: { [K in keyof ClientEvents]: Set<ClientEvents[K]> } = {
    message: new Set(),
    userJoined: new Set(),
    userLeft: new Set(),
    state: new Set(),
  };
  private readonly backoff: BackoffPolicy;
  private readonly createSocket: (url: string) => WebSocketLike;

  constructor(private readonly options: SwitchboardClientOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.reconnect };
    this.createSocket =
      options.createSocket ??
      ((url) =>
        new (globalThis as unknown as { WebSocket: new (url: string) => WebSocketLike }).WebSocket(
          url,
        ));
  }

  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** Opens the connection and keeps it open (reconnecting as needed) until `close`; resolves once open. */
  connect(): Promise<void> {
    if (this.state === 'closed') void this.open();
    if (this.ready) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const stop = this.on('state', (state) => {
        if (state === 'open') {
          stop();
          resolve();
        } else if (state === 'closed') {
          stop();
          reject(new SwitchboardError('connection_closed', 'the client was closed'));
        }
      });
    });
  }

  /**
   * Joins a room and returns its recent history (or, with `since`, everything after it). The room
   * stays joined across reconnects until `leave`; live messages, and messages recovered after a
   * reconnect, arrive through `on('message')`.
   */
  async join(
    room: string,
    since?: number,
  ): Promise<{ messages: ChatMessage[]; members: UserRef[] }> {
    return this.joinUntilComplete(room, since, false);
  }

  async leave(room: string): Promise<void> {
    this.rooms.delete(room);
    await this.request({ type: 'leave', room });
  }

  /**
   * Sends a message; resolves with the server's ack once it is committed. Survives disconnections:
   * it is sent again after a reconnect until acknowledged, and never stored twice.
   */
  send(room: string, text: string): Promise<AckFrame> {
    const clientMsgId = globalThis.crypto.randomUUID();
    return new Promise<AckFrame>((resolve, reject) => {
      const outgoing = { room, text, clientMsgId, resolve, reject };
      this.outbox.set(clientMsgId, outgoing);
      if (this.ready) this.transmit(outgoing);
    });
  }

  /** Round trip to the server; resolves with the server's clock. */
  async ping(): Promise<number> {
    const pong = (await this.request({ type: 'ping' })) as PongFrame;
    return pong.ts;
  }

  /** Closes for good: pending requests and sends are rejected. */
  close(): void {
    this.setState('closed');
    this.ready = false;
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'client closed');
    const closed = new SwitchboardError('connection_closed', 'the client was closed');
    this.failReplies(closed);
    for (const outgoing of this.outbox.values()) outgoing.reject(closed);
    this.outbox.clear();
  }

  private async joinUntilComplete(
    room: string,
    since: number | undefined,
    emit: boolean,
  ): Promise<{ messages: ChatMessage[]; members: UserRef[] }> {
    let cursor = since ?? this.rooms.get(room)?.lastSeq;
    const messages: ChatMessage[] = [];
    let members: UserRef[] = [];
    for (;;) {
      const joined = (await this.request(
        cursor === undefined ? { type: 'join', room } : { type: 'join', room, since: cursor },
      )) as JoinedFrame;
      members = joined.members;
      const state = this.rooms.get(room) ?? { lastSeq: 0 };
      this.rooms.set(room, state);
      for (const message of joined.messages) {
        if (emit && message.seq <= state.lastSeq) continue;
        messages.push(message);
        if (emit) for (const listener of this.listeners.message) listener(message);
      }
      state.lastSeq = joined.messages.at(-1)?.seq ?? Math.max(state.lastSeq, cursor ?? 0);
      if (!joined.more) return { messages, members };
      cursor = state.lastSeq;
    }
  }

  private request(frame: ClientFrame): Promise<Reply> {
    const socket = this.socket;
    if (!socket || socket.readyState !== 1) {
      return Promise.reject(new SwitchboardError('connection_closed', 'not connected'));
    }
    return new Promise<Reply>((resolve, reject) => {
      this.replies.push({ resolve, reject });
      socket.send(JSON.stringify(frame));
    });
  }

  private transmit(outgoing: OutgoingMessage): void {
    const frame: ClientFrame = {
      type: 'message',
      room: outgoing.room,
      text: outgoing.text,
      clientMsgId: outgoing.clientMsgId,
    };
    this.request(frame).then(
      (ack) => {
        this.outbox.delete(outgoing.clientMsgId);
        outgoing.resolve(ack as AckFrame);
      },
      (error: unknown) => {
        // A send lost with its connection goes out again after the reconnect; a refusal is final.
        if (
          error instanceof SwitchboardError &&
          error.code === 'connection_closed' &&
          this.state !== 'closed'
        )
          return;
        this.outbox.delete(outgoing.clientMsgId);
        outgoing.reject(error as Error);
      },
    );
  }

  /** Connects, then (once open) restores rooms and unacknowledged sends. */
  private async open(): Promise<void> {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let token: string;
    try {
      token = await this.options.token();
    } catch {
      return this.retryLater();
    }
    if (this.state === 'closed') return;
    const separator = this.options.url.includes('?') ? '&' : '?';
    const socket = this.createSocket(
      `${this.options.url}${separator}access_token=${encodeURIComponent(token)}`,
    );
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      void this.restore(socket);
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = () => this.lost(socket);
    socket.onerror = () => undefined;
  }

  /** After (re)connecting: every joined room again from its last seq, then every unacknowledged send. */
  private async restore(socket: WebSocketLike): Promise<void> {
    try {
      for (const room of [...this.rooms.keys()])
        await this.joinUntilComplete(room, undefined, true);
    } catch {
      return; // The connection went again; the next one restores.
    }
    if (this.socket !== socket) return;
    this.ready = true;
    this.setState('open');
    for (const outgoing of this.outbox.values()) this.transmit(outgoing);
  }

  private lost(socket: WebSocketLike): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.ready = false;
    this.failReplies(new SwitchboardError('connection_closed', 'the connection was lost'));
    this.retryLater();
  }

  private retryLater(): void {
    if (this.state === 'closed') return;
    this.setState('reconnecting');
    this.reconnectTimer = setTimeout(
      () => void this.open(),
      reconnectDelay(this.attempt++, this.backoff),
    );
  }

  private receive(data: unknown): void {
    const frame = JSON.parse(String(data)) as ServerFrame;
    switch (frame.type) {
      case 'joined':
      case 'left':
      case 'ack':
      case 'pong':
        this.replies.shift()?.resolve(frame);
        return;
      case 'error':
        this.replies
          .shift()
          ?.reject(new SwitchboardError(frame.code, frame.message, frame.retryAfterMs));
        return;
      case 'message': {
        const room = this.rooms.get(frame.room);
        // Already seen (it was also in a join reply), or from a room left meanwhile.
        if (!room || frame.seq <= room.lastSeq) return;
        room.lastSeq = frame.seq;
        const { type: _type, ...message } = frame;
        for (const listener of this.listeners.message) listener(message);
        return;
      }
      case 'user_joined':
        for (const listener of this.listeners.userJoined) listener(frame.room, frame.user);
        return;
      case 'user_left':
        for (const listener of this.listeners.userLeft) listener(frame.room, frame.user);
        return;
    }
  }

  private failReplies(error: Error): void {
    for (const pending of this.replies.splice(0)) pending.reject(error);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.listeners.state) listener(state);
  }
}
