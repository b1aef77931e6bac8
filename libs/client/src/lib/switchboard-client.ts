import type {
  AckFrame,
  ChangeAckFrame,
  ChatMessage,
  ClientFrame,
  ErrorCode,
  HandshakeCloseCodes,
  HandshakeRefusal,
  InboxFrame,
  InboxRoom,
  JoinedFrame,
  HistoryMessage,
  LeftFrame,
  MessageChangeFrame,
  MessageDeletedFrame,
  MessageEditedFrame,
  PongFrame,
  ReadReplyFrame,
  ServerFrame,
  TypingReplyFrame,
  PresenceFrame,
  StatusFrame,
  UserPresence,
  UserRef,
} from '@switchboard/protocol';
import { BackoffPolicy, DEFAULT_BACKOFF, reconnectDelay } from './backoff';
import {
  CreateSocket,
  defaultSocketFactory,
  NO_WEBSOCKET_MESSAGE,
  WebSocketLike,
} from './websocket-factory';

export type { WebSocketLike } from './websocket-factory';

export interface SwitchboardClientOptions {
  /** The gateway's WebSocket URL, for example `wss://chat.example.com/ws`. */
  url: string;
  /** Called on every (re)connection, so a refreshed token is used after a reconnect. */
  token: () => string | Promise<string>;
  /**
   * Opens a socket; defaults to the global `WebSocket` (browsers, Node 22+), else to the `ws` package
   * when it is installed (Node 20), loaded on the first connection.
   */
  createSocket?: CreateSocket;
  /** Backoff of reconnections and of sends the server failed to store (`internal_error`). */
  reconnect?: Partial<BackoffPolicy>;
  /**
   * The history service's HTTP base URL (for example `https://chat.example.com/history`). With it,
   * when the WebSocket cannot connect (two attempts in a row fail before opening: an upgrade refused
   * or blocked by a proxy), the client falls back to transport `polling`: joined rooms followed by
   * long polling, sends and joins over HTTP; it keeps trying the WebSocket and moves back once it opens.
   */
  historyUrl?: string;
  /**
   * With nothing received for this long the client pings, and with nothing for twice as long it
   * takes the connection for dead (a half-open TCP connection) and reconnects. 0 turns this off.
   */
  heartbeatMs?: number;
}

/** The default `heartbeatMs`: under the 30 s idle timeout of common proxies and load balancers. */
export const DEFAULT_HEARTBEAT_MS = 25_000;

/**
 * Close codes of a handshake the gateway refused (the HTTP status plus 4000; browsers cannot read the
 * status of a failed upgrade): a missing, bad or expired token, and an origin not allowed. The
 * protocol's `HANDSHAKE_CLOSE_CODES` inverted, checked against it by type: the SDK imports only the
 * protocol's types, so its bundle carries none of the server's schemas.
 */
export const AUTH_CLOSE_CODES: {
  readonly [K in HandshakeRefusal as HandshakeCloseCodes[K]]: K;
} = { 4401: 'unauthorized', 4403: 'forbidden' };

/**
 * Errors of the client itself: the connection went (`connection_closed`), or no socket can be opened
 * in this runtime (`websocket_unavailable`: no global WebSocket and no `ws`).
 */
export type ClientErrorCode = 'connection_closed' | 'websocket_unavailable';

/**
 * A frame or a connection the server refused, with the protocol's error code (and, for a refused
 * handshake, the close code: 4401 or 4403), or an error of the client itself.
 */
export class SwitchboardError extends Error {
  override readonly name = 'SwitchboardError';
  constructor(
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    readonly closeCode?: keyof typeof AUTH_CLOSE_CODES,
  ) {
    super(message);
  }
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** How the client talks to Switchboard: the WebSocket, or HTTP long polling while it cannot. */
export type Transport = 'websocket' | 'polling';

/** Seconds a long poll is held by the history service (under common 30 s proxy timeouts). */
export const LONG_POLL_WAIT_SECONDS = 25;

/** WebSocket attempts in a row that fail before opening, after which the client polls. */
const FAILED_OPENS_BEFORE_POLLING = 2;

/** A page of `GET /rooms/:room/messages`. */
interface MessagePage {
  messages: HistoryMessage[];
  events?: MessageChangeFrame[];
  hasMore: boolean;
}

export interface ClientEvents {
  /** A room's messages, each once and in `seq` order, live or recovered after a reconnect. */
  message: (message: ChatMessage) => void;
  /**
   * A message's text was changed, and `messageDeleted` a message was deleted: events with their own
   * seq, delivered with messages in one seq order, each once, live or recovered after a reconnect. A
   * message sent and deleted while disconnected arrives only as its `messageDeleted`.
   */
  messageEdited: (event: MessageEditedFrame) => void;
  messageDeleted: (event: MessageDeletedFrame) => void;
  userJoined: (room: string, user: UserRef) => void;
  userLeft: (room: string, user: UserRef) => void;
  /**
   * The user may no longer use a joined room (removed from its members, or it became private): it
   * is left, nothing more of it arrives, and sends to it are refused with `forbidden`.
   */
  removed: (room: string) => void;
  /** `user` read everything in a joined room up to `seq` (this user too, from any of their connections). */
  read: (room: string, user: UserRef, seq: number) => void;
  /**
   * `user` is typing in a joined room: once per start, not per repeat, and again when a user joins the
   * room (so that the joiner learns it): a `typing` for a user already typing changes nothing.
   */
  typing: (room: string, user: UserRef) => void;
  /** `user` stopped typing there: they sent, stopped, left, went away or were silent too long. */
  typingStopped: (room: string, user: UserRef) => void;
  /** A direct-room partner came online or went offline. */
  status: (status: Omit<StatusFrame, 'type'>) => void;
  /**
   * A message arrived in a private or direct room this user is a member of but has not joined:
   * their unread count there now and that message, for badges.
   */
  unread: (room: string, unread: number, lastMessage: ChatMessage) => void;
  state: (state: ConnectionState) => void;
  /**
   * The gateway refused the connection (`code` `unauthorized` or `forbidden`, `closeCode` 4401 or
   * 4403): the client calls `token()` once more and retries; refused again, it stops (`closed`) and
   * `connect()` rejects with this error. Also `websocket_unavailable`, just before it stops.
   */
  error: (error: SwitchboardError) => void;
  /** The client moved to long polling (the WebSocket cannot connect) or back to the WebSocket. */
  transport: (transport: Transport) => void;
}

/** What `join` returns: the room's history, who is in it, and this user's read state there. */
export interface JoinResult {
  /** In their current state: edited text with `editedAt`, deleted ones as `deleted: true`. */
  messages: HistoryMessage[];
  /** With `since`, when there were any: the edits and deletes after it, ascending seq (merge with `messages` by seq). */
  events?: MessageChangeFrame[];
  members: UserRef[];
  /** Everything up to this seq has been read by this user. */
  lastReadSeq: number;
  /** Messages after `lastReadSeq` that other users sent. */
  unread: number;
}

/** How `join` joins a room. */
export interface JoinOptions {
  /**
   * Receive and send without presence: the room is not told this user joined, and `members` comes
   * back empty. The server's cost of such a join does not grow with the room, for very large rooms.
   */
  watch?: boolean;
}

/** What `joinDirect` returns: the direct room's id (the same for both users, for ever), the other user. */
export interface DirectJoinResult extends JoinResult {
  room: string;
  partner: UserRef;
}

/**
 * What a refused send becomes: `retry` sends it again with the same `clientMsgId` (the server stored
 * nothing and may accept it later), `final` rejects it with the error. Exhaustive, so a new code
 * needs a decision.
 */
export const SEND_REFUSALS: Readonly<Record<ErrorCode, 'retry' | 'final'>> = {
  internal_error: 'retry',
  rate_limited: 'retry',
  invalid_json: 'final',
  invalid_message: 'final',
  not_joined: 'final',
  too_long: 'final',
  invalid_parameter: 'final',
  invalid_body: 'final',
  unauthorized: 'final',
  not_found: 'final',
  forbidden: 'final',
};

/**
 * Frames the client keeps on one connection without their reply; the rest wait their turn. The
 * gateway closes a connection with more than 256 frames waiting (1008), so this leaves a wide margin.
 */
export const MAX_FRAMES_IN_FLIGHT = 64;

/** `typing` sends at most one frame per room this often (the protocol's "at most every 2 s"). */
export const TYPING_REPEAT_MS = 2_000;

type Reply =
  | JoinedFrame
  | LeftFrame
  | AckFrame
  | PongFrame
  | ReadReplyFrame
  | TypingReplyFrame
  | PresenceFrame
  | InboxFrame
  | ChangeAckFrame;

/** What takes one of a room's seqs on the client: a message, or an edit or a delete (which has a `type`). */
type Sequenced = ChatMessage | MessageChangeFrame;

/** A join reply's (or an HTTP page's) messages and events in one seq order. */
function sequencedItems(
  joined: Pick<JoinedFrame, 'messages' | 'events'>,
): (HistoryMessage | MessageChangeFrame)[] {
  if (!joined.events?.length) return joined.messages;
  return [...joined.messages, ...joined.events].sort((a, b) => a.seq - b.seq);
}

/** The last seq a join reply carries, events included. */
function lastSeqOf(joined: Pick<JoinedFrame, 'messages' | 'events'>): number | undefined {
  const last = Math.max(joined.messages.at(-1)?.seq ?? 0, joined.events?.at(-1)?.seq ?? 0);
  return last || undefined;
}

/** A frame and what to do with its reply; called synchronously, in the order replies arrive. */
interface Request {
  frame: ClientFrame;
  resolve: (frame: Reply) => void;
  reject: (error: SwitchboardError) => void;
}

/** A `join`, `leave` or `ping` of the application, waiting for room in the window. */
interface QueuedRequest extends Request {
  /** Its place among the application's frames (`send` included), which go out in call order. */
  order: number;
}

interface OutgoingMessage {
  room: string;
  text: string;
  clientMsgId: string;
  order: number;
  /** Sent on the current connection and not answered yet. */
  inFlight: boolean;
  resolve: (ack: AckFrame) => void;
  reject: (error: Error) => void;
}

/**
 * One joined room. While any join of it awaits its reply (`joining > 0`) the room is recovering:
 * live messages wait in `held`. Otherwise it is live, and `held` is empty unless a gap waits to be
 * filled. `lastSeq` is undefined until the first join reply says where the room stands.
 */
interface RoomState {
  lastSeq: number | undefined;
  joining: number;
  held: Map<number, Sequenced>;
  /** The latest `join` asked for a watch join: every join that restores the room asks the same. */
  watch: boolean;
}

/** A room's send backoff: `timer` is set while its sends wait after a retryable refusal. */
interface SendBackoff {
  attempt: number;
  timer?: ReturnType<typeof setTimeout>;
}

const OPEN = 1;

function isServerRefusal(error: unknown): error is SwitchboardError {
  return (
    error instanceof SwitchboardError &&
    error.code !== 'connection_closed' &&
    error.code !== 'websocket_unavailable'
  );
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
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
  /** Frames on the wire, in the order they were sent, which is the order of their replies. */
  private readonly replies: Request[] = [];
  /** The client's own catch-up joins: they go out before anything the application asked for. */
  private readonly catchUps: Request[] = [];
  /** The application's joins, leaves and pings not sent yet; its sends wait in `outbox`. */
  private readonly requests: QueuedRequest[] = [];
  /** Numbers the application's frames, so that requests and sends go out in call order. */
  private nextOrder = 0;
  private readonly rooms = new Map<string, RoomState>();
  private readonly outbox = new Map<string, OutgoingMessage>();
  private readonly sendBackoff = new Map<string, SendBackoff>();
  /** When each room's last `typing` frame went out, for the throttle. */
  private readonly typingSentAt = new Map<string, number>();
  private readonly listeners: { [K in keyof ClientEvents]: Set<ClientEvents[K]> } = {
    message: new Set(),
    messageEdited: new Set(),
    messageDeleted: new Set(),
    userJoined: new Set(),
    userLeft: new Set(),
    removed: new Set(),
    read: new Set(),
    typing: new Set(),
    typingStopped: new Set(),
    status: new Set(),
    unread: new Set(),
    state: new Set(),
    error: new Set(),
    transport: new Set(),
  };
  private readonly backoff: BackoffPolicy;
  private readonly heartbeatMs: number;
  /** Resolved on the first connection: the global WebSocket or `ws` are looked up only then. */
  private createSocket: Promise<CreateSocket | undefined> | undefined;
  /** Handshakes refused in a row: the first calls `token()` again, the second stops the client. */
  private authRefusals = 0;
  /** Why the client stopped by itself, for `connect()`. */
  private failure: SwitchboardError | undefined;
  private lastReceivedAt = 0;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private currentTransport: Transport = 'websocket';
  /** WebSocket attempts in a row that closed before opening. */
  private failedOpens = 0;
  /** Aborts the long polls (and their backoff waits) when polling ends. */
  private polling: AbortController | undefined;
  /** The HTTP send loop is running (it sends the outbox one message at a time, in call order). */
  private sendingOverHttp = false;

  constructor(private readonly options: SwitchboardClientOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.reconnect };
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  }

  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  get transport(): Transport {
    return this.currentTransport;
  }

  /**
   * Opens the connection and keeps it open (reconnecting as needed) until `close`; resolves once the
   * gateway has answered on it. Rejects if the client stops first: closed, its handshake refused
   * twice in a row (`unauthorized`, `forbidden`), or no WebSocket in this runtime.
   */
  connect(): Promise<void> {
    if (this.state === 'closed') {
      this.failure = undefined;
      void this.open();
    }
    if (this.state === 'open') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const stop = this.on('state', (state) => {
        if (state === 'open') {
          stop();
          resolve();
        } else if (state === 'closed') {
          stop();
          reject(
            this.failure ?? new SwitchboardError('connection_closed', 'the client was closed'),
          );
        }
      });
    });
  }

  /**
   * Joins a room and returns its recent history (or, with `since`, everything after it). The room
   * stays joined across reconnects until `leave`; every later message arrives through
   * `on('message')`, once and in order, from a task after this promise settles. With `watch`, the
   * join (and every join that restores the room) does no presence work: see `JoinOptions`.
   */
  async join(room: string, since?: number, options: JoinOptions = {}): Promise<JoinResult> {
    let state = this.rooms.get(room);
    if (!state) {
      state = { lastSeq: undefined, joining: 0, held: new Map(), watch: false };
      this.rooms.set(room, state);
    }
    state.watch = options.watch ?? false;
    state.joining++;
    let result: JoinResult;
    try {
      result =
        this.currentTransport === 'polling' && !this.ready
          ? await this.joinOverHttp(room, state, since ?? state.lastSeq)
          : await this.synchronize(room, state, since ?? state.lastSeq, false);
    } catch (error) {
      state.joining--;
      if (state.lastSeq === undefined) {
        // Never joined: nothing to restore later.
        if (state.joining === 0 && this.rooms.get(room) === state) this.rooms.delete(room);
      } else if (error instanceof SwitchboardError && error.code === 'forbidden') {
        this.lose(room, state);
      } else if (error instanceof SwitchboardError && error.code === 'internal_error') {
        // The server dropped the membership with the failed join: joining again restores it.
        this.resynchronize();
      } else {
        this.release(room, state);
      }
      throw error;
    }
    // Messages held during the join go out after the caller has had the history.
    const joined = state;
    setTimeout(() => {
      joined.joining--;
      this.release(room, joined);
    }, 0);
    return result;
  }

  /**
   * Joins the direct room of this user and `user` (made on first use) and returns its history; from
   * then on it is a joined room like any other, under the id returned. Joining with yourself is
   * refused with `invalid_message`.
   */
  async joinDirect(user: string): Promise<DirectJoinResult> {
    const joined = (await this.request({ type: 'join_direct', user })) as JoinedFrame;
    const { room, messages, members, direct, lastReadSeq: readSeq, unread } = joined;
    // The server sends the room's live messages only after this reply, so none came before it.
    const state = this.rooms.get(room);
    const lastSeq = lastSeqOf(joined) ?? 0;
    if (!state) this.rooms.set(room, { lastSeq, joining: 0, held: new Map(), watch: false });
    else state.lastSeq = Math.max(state.lastSeq ?? 0, lastSeq);
    return {
      room,
      partner: direct?.user ?? { id: user, name: user },
      messages,
      ...(joined.events?.length ? { events: joined.events } : {}),
      members,
      lastReadSeq: readSeq,
      unread,
    };
  }

  /**
   * Leaves a room; the `leave` goes out after the sends made before it. With `forget`, the user's
   * membership ends too: the room leaves their inbox, and a private room their reach.
   */
  async leave(room: string, options: { forget?: boolean } = {}): Promise<void> {
    this.rooms.delete(room);
    // Polling follows only the rooms it has: nothing to tell the server (forget needs the WebSocket).
    if (this.currentTransport === 'polling' && !this.ready && !options.forget) return;
    await this.request(
      options.forget ? { type: 'leave', room, forget: true } : { type: 'leave', room },
    );
  }

  /**
   * Sends a message; resolves with the server's ack once it is committed. Survives disconnections
   * and server failures: it is sent again (after a reconnect, after `retryAfterMs`, or with backoff
   * after `internal_error`) until acknowledged or refused for a final reason, and never stored twice.
   * At most `MAX_FRAMES_IN_FLIGHT` frames await replies; the rest go out, in order, as replies arrive.
   */
  send(room: string, text: string): Promise<AckFrame> {
    // The server ends the user's typing in the room with the message.
    this.typingSentAt.delete(room);
    const clientMsgId = globalThis.crypto.randomUUID();
    return new Promise<AckFrame>((resolve, reject) => {
      const order = this.nextOrder++;
      this.outbox.set(clientMsgId, {
        room,
        text,
        clientMsgId,
        order,
        inFlight: false,
        resolve,
        reject,
      });
      this.pump();
    });
  }

  /**
   * Marks everything in `room` up to `seq` as read and resolves with this user's read position now:
   * never lower than before, at most the room's last seq. Every connection joined to the room, this
   * user's other ones included, gets `on('read')`. Not retried: after `connection_closed`, call again.
   */
  async markRead(room: string, seq: number): Promise<number> {
    const reply = (await this.request({ type: 'read', room, seq })) as ReadReplyFrame;
    return reply.seq;
  }

  /** Every room this user is a member of, most recent activity first, with unread counts. */
  async inbox(): Promise<InboxRoom[]> {
    const reply = (await this.request({ type: 'inbox' })) as InboxFrame;
    return reply.rooms;
  }

  /**
   * Replaces the text of one of this user's messages; resolves with the edit's seq once committed
   * (the edit also arrives as `on('messageEdited')`). Refused with `forbidden` for another user's
   * message, `not_found` for an unknown or deleted one. Not retried: after a refusal that is not
   * final (`rate_limited`, `internal_error`, `connection_closed`), call again.
   */
  async edit(room: string, id: string, text: string): Promise<ChangeAckFrame> {
    return (await this.request({ type: 'edit', room, id, text })) as ChangeAckFrame;
  }

  /**
   * Deletes a message (this user's, or any in a room they administer); resolves with the delete's
   * seq. Deleting a deleted message succeeds again with the first delete's seq, so calling again after
   * a lost reply is safe. Not retried by the client, like `edit`.
   */
  async delete(room: string, id: string): Promise<ChangeAckFrame> {
    return (await this.request({ type: 'delete', room, id })) as ChangeAckFrame;
  }

  /** Round trip to the server; resolves with the server's clock. */
  async ping(): Promise<number> {
    const pong = (await this.request({ type: 'ping' })) as PongFrame;
    return pong.ts;
  }

  /**
   * Says this user is typing in a joined room: call it on every keystroke. At most one frame per
   * room goes out every `TYPING_REPEAT_MS`; the others resolve at once.
   */
  async typing(room: string): Promise<void> {
    const now = Date.now();
    if (now - (this.typingSentAt.get(room) ?? -Infinity) < TYPING_REPEAT_MS) return;
    this.typingSentAt.set(room, now);
    try {
      await this.request({ type: 'typing', room });
    } catch (error) {
      // Refused or not sent: the next keystroke tries again.
      this.typingSentAt.delete(room);
      throw error;
    }
  }

  /** Says this user stopped typing in the room without sending; the next `typing` goes out at once. */
  async stopTyping(room: string): Promise<void> {
    this.typingSentAt.delete(room);
    await this.request({ type: 'typing_stop', room });
  }

  /**
   * Whether these users (at most 100) are online, and when they were last seen; users who share no
   * room with this user are left out of the answer.
   */
  async presence(users: string[]): Promise<UserPresence[]> {
    const reply = (await this.request({ type: 'presence', users })) as PresenceFrame;
    return reply.users;
  }

  /** Closes for good: pending requests and sends are rejected. */
  close(): void {
    this.stop(new SwitchboardError('connection_closed', 'the client was closed'));
  }

  /** Stops reconnecting; `connect()`, pending requests and sends reject with `reason`. */
  private stop(reason: SwitchboardError): void {
    this.stopPolling();
    this.setState('closed');
    this.ready = false;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.heartbeatTimer);
    for (const backoff of this.sendBackoff.values()) clearTimeout(backoff.timer);
    this.sendBackoff.clear();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'client closed');
    this.failRequests(new SwitchboardError('connection_closed', 'the client was closed'));
    for (const outgoing of this.outbox.values()) outgoing.reject(reason);
    this.outbox.clear();
  }

  /** Stops for an error no reconnection can mend; the application hears it first. */
  private fail(error: SwitchboardError): void {
    this.failure = error;
    for (const listener of this.listeners.error) listener(error);
    this.stop(error);
  }

  /**
   * Joins from `since` (or the newest page), following `more: true` until caught up. Recovered
   * messages newer than `lastSeq` are emitted (`emit`) or returned to the application's `join`.
   */
  private async synchronize(
    room: string,
    state: RoomState,
    since: number | undefined,
    emit: boolean,
  ): Promise<JoinResult> {
    let cursor = since;
    const messages: HistoryMessage[] = [];
    const events: MessageChangeFrame[] = [];
    // The application's join takes its turn; recovery and later pages hold live messages, so go first.
    let catchUp = emit;
    for (;;) {
      const joined = (await this.request(
        {
          type: 'join',
          room,
          ...(cursor === undefined ? {} : { since: cursor }),
          ...(state.watch ? { watch: true } : {}),
        },
        catchUp,
      )) as JoinedFrame;
      catchUp = true;
      // A room left meanwhile is not followed further, or the next page would join it again.
      const result = (): JoinResult => ({
        messages,
        ...(events.length ? { events } : {}),
        members: joined.members,
        lastReadSeq: joined.lastReadSeq,
        unread: joined.unread,
      });
      if (this.rooms.get(room) !== state) return result();
      for (const item of sequencedItems(joined)) {
        if (!emit) {
          if ('type' in item) events.push(item);
          else messages.push(item);
        } else if (item.seq > (state.lastSeq ?? 0)) {
          state.lastSeq = item.seq;
          // A message deleted meanwhile is told by its delete, which follows it.
          if (!('deleted' in item)) this.emit(item);
        }
      }
      state.lastSeq = Math.max(state.lastSeq ?? 0, lastSeqOf(joined) ?? cursor ?? 0);
      if (!joined.more) return result();
      cursor = state.lastSeq;
    }
  }

  /** Joins a joined room again from its last seq, emitting what it missed; live messages wait meanwhile. */
  private async recover(room: string, state: RoomState): Promise<void> {
    state.joining++;
    try {
      await this.synchronize(room, state, state.lastSeq, true);
    } finally {
      state.joining--;
    }
  }

  /**
   * Delivers held live messages in seq order, dropping those already delivered. A gap (the next
   * held message is not `lastSeq + 1`) keeps everything held and joins again from `lastSeq`.
   */
  private release(room: string, state: RoomState): void {
    if (state.joining > 0 || state.lastSeq === undefined || this.rooms.get(room) !== state) return;
    for (const seq of [...state.held.keys()].sort((a, b) => a - b)) {
      if (seq > state.lastSeq + 1) {
        if (this.socket?.readyState === OPEN) this.fillGap(room, state);
        return;
      }
      const item = state.held.get(seq) as Sequenced;
      state.held.delete(seq);
      if (seq <= state.lastSeq) continue;
      state.lastSeq = seq;
      this.emit(item);
    }
  }

  private fillGap(room: string, state: RoomState): void {
    this.recover(room, state).then(
      () => {
        // A join brings every committed message, so a seq still missing does not exist (a restored
        // database): skip it rather than ask again for ever.
        const next = Math.min(...state.held.keys());
        if (next !== Infinity && state.lastSeq !== undefined && next > state.lastSeq + 1) {
          state.lastSeq = next - 1;
        }
        this.release(room, state);
      },
      (error: unknown) => {
        if (error instanceof SwitchboardError && error.code === 'forbidden') this.lose(room, state);
        else if (isServerRefusal(error)) this.resynchronize();
      },
    );
  }

  /** The room was taken from this user: forgotten here, and the application told. */
  private lose(room: string, state: RoomState): void {
    if (this.rooms.get(room) !== state) return;
    this.rooms.delete(room);
    for (const listener of this.listeners.removed) listener(room);
  }

  /** Queues a frame (a catch-up join before the application's frames) and resolves with its reply. */
  private request(frame: ClientFrame, catchUp = false): Promise<Reply> {
    if (this.socket?.readyState !== OPEN) {
      return Promise.reject(new SwitchboardError('connection_closed', 'not connected'));
    }
    return new Promise<Reply>((resolve, reject) => {
      if (catchUp) this.catchUps.push({ frame, resolve, reject });
      else this.requests.push({ frame, resolve, reject, order: this.nextOrder++ });
      this.pump();
    });
  }

  /**
   * Sends what waits while fewer than `MAX_FRAMES_IN_FLIGHT` frames await replies: catch-up joins
   * first, then the application's frames in call order. Sends go out only once rooms are restored,
   * and not for a room waiting after a retryable refusal.
   */
  private pump(): void {
    if (this.currentTransport === 'polling' && !this.ready) void this.sendOverHttp();
    const socket = this.socket;
    if (socket?.readyState !== OPEN) return;
    while (this.replies.length < MAX_FRAMES_IN_FLIGHT) {
      const next = this.catchUps.shift() ?? this.nextInCallOrder();
      if (!next) return;
      this.replies.push(next);
      socket.send(JSON.stringify(next.frame));
    }
  }

  private nextInCallOrder(): Request | undefined {
    const outgoing = this.ready ? this.nextSend() : undefined;
    const request = this.requests[0];
    if (outgoing && (!request || outgoing.order < request.order)) return this.transmit(outgoing);
    return this.requests.shift();
  }

  /** The oldest message neither on the wire nor waiting after a refusal (the outbox is in call order). */
  private nextSend(): OutgoingMessage | undefined {
    for (const outgoing of this.outbox.values()) {
      if (!outgoing.inFlight && !this.sendBackoff.get(outgoing.room)?.timer) return outgoing;
    }
    return undefined;
  }

  private transmit(outgoing: OutgoingMessage): Request {
    outgoing.inFlight = true;
    return {
      frame: {
        type: 'message',
        room: outgoing.room,
        text: outgoing.text,
        clientMsgId: outgoing.clientMsgId,
      },
      resolve: (ack) => {
        outgoing.inFlight = false;
        this.outbox.delete(outgoing.clientMsgId);
        const backoff = this.sendBackoff.get(outgoing.room);
        if (backoff && !backoff.timer) this.sendBackoff.delete(outgoing.room);
        outgoing.resolve(ack as AckFrame);
      },
      // Synchronous, so a refused room waits before the freed slot takes its next message.
      reject: (error) => {
        outgoing.inFlight = false;
        // Lost with its connection (the reconnect sends it again) or the client was closed.
        if (error.code === 'connection_closed' || error.code === 'websocket_unavailable') return;
        if (SEND_REFUSALS[error.code] === 'retry') return this.holdSends(outgoing.room, error);
        this.outbox.delete(outgoing.clientMsgId);
        outgoing.reject(error);
      },
    };
  }

  /**
   * After a retryable refusal, a room's unsent messages wait (`retryAfterMs`, or full-jitter backoff
   * for `internal_error`) and then go out again in the order they were sent.
   */
  private holdSends(room: string, error: SwitchboardError): void {
    const backoff = this.sendBackoff.get(room) ?? { attempt: 0 };
    this.sendBackoff.set(room, backoff);
    if (backoff.timer) return;
    const delay =
      error.code === 'rate_limited' && error.retryAfterMs !== undefined
        ? error.retryAfterMs
        : reconnectDelay(backoff.attempt++, this.backoff);
    backoff.timer = setTimeout(() => {
      backoff.timer = undefined;
      // While disconnected nothing is sent: the reconnect sends the outbox.
      this.pump();
    }, delay);
  }

  /** Connects, then (once open) restores rooms and unacknowledged sends. */
  private async open(): Promise<void> {
    this.setSocketState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    this.createSocket ??= this.options.createSocket
      ? Promise.resolve(this.options.createSocket)
      : defaultSocketFactory();
    const createSocket = await this.createSocket;
    if (this.closedMeanwhile()) return;
    if (!createSocket) {
      return this.fail(new SwitchboardError('websocket_unavailable', NO_WEBSOCKET_MESSAGE));
    }
    let token: string;
    try {
      token = await this.options.token();
    } catch {
      return this.retryLater();
    }
    if (this.closedMeanwhile()) return;
    const separator = this.options.url.includes('?') ? '&' : '?';
    const socket = createSocket(
      `${this.options.url}${separator}access_token=${encodeURIComponent(token)}`,
    );
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      opened = true;
      this.lastReceivedAt = Date.now();
      this.scheduleHeartbeat(socket, this.heartbeatMs);
      void this.restore(socket);
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.lastReceivedAt = Date.now();
      this.receive(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      if (opened) return this.closed(socket, event.code, event.reason);
      // Refused or blocked before opening: twice in a row, HTTP takes over while retrying.
      this.failedOpens++;
      this.lost(socket);
      if (this.failedOpens >= FAILED_OPENS_BEFORE_POLLING) this.startPolling();
    };
    socket.onerror = () => undefined;
  }

  /** A method, so that TypeScript does not narrow the state across the awaits of `open`. */
  private closedMeanwhile(): boolean {
    return this.state === 'closed';
  }

  /**
   * A refused handshake (4401, 4403) is told to the application and retried at once with a new
   * `token()`; refused twice in a row, the client stops. Any other close reconnects with backoff.
   */
  private closed(socket: WebSocketLike, code: number, reason = ''): void {
    if (this.socket !== socket) return;
    const refusal = AUTH_CLOSE_CODES[code as keyof typeof AUTH_CLOSE_CODES] as
      ErrorCode | undefined;
    if (!refusal) return this.lost(socket);
    const error = new SwitchboardError(
      refusal,
      `the gateway refused the connection (${code}${reason ? `: ${reason}` : ''})`,
      undefined,
      code as keyof typeof AUTH_CLOSE_CODES,
    );
    if (this.refusedTwice(error)) return;
    this.disconnected(socket);
    void this.open();
  }

  /**
   * A refusal of the token (at the handshake, or by the history service while polling): the first
   * is told to the application, and the next attempt calls `token()` again; a second in a row stops
   * the client.
   */
  private refusedTwice(error: SwitchboardError): boolean {
    if (++this.authRefusals > 1) {
      this.fail(error);
      return true;
    }
    for (const listener of this.listeners.error) listener(error);
    return false;
  }

  /**
   * Pings once nothing has come for `heartbeatMs`, and drops the connection (to reconnect) once
   * nothing has come for twice that: a half-open connection would otherwise look open for ever.
   */
  private scheduleHeartbeat(socket: WebSocketLike, delay: number): void {
    if (this.heartbeatMs <= 0) return;
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => {
      if (this.socket !== socket) return;
      const silent = Date.now() - this.lastReceivedAt;
      if (silent >= 2 * this.heartbeatMs) {
        this.lost(socket);
        return socket.close(1000, 'no traffic: heartbeat timed out');
      }
      // Its pong is traffic; without one the next check finds the connection dead.
      if (silent >= this.heartbeatMs) this.request({ type: 'ping' }, true).catch(() => undefined);
      const until = silent >= this.heartbeatMs ? 2 * this.heartbeatMs : this.heartbeatMs;
      this.scheduleHeartbeat(socket, until - silent);
    }, delay);
  }

  /**
   * After (re)connecting: every joined room again from its last seq, then every unacknowledged send.
   * Without rooms, a ping: the connection is open once the gateway has answered on it (a refused
   * handshake is upgraded only to be closed).
   */
  private async restore(socket: WebSocketLike): Promise<void> {
    const rooms = [...this.rooms].filter(([, state]) => state.lastSeq !== undefined);
    try {
      if (rooms.length === 0) await this.request({ type: 'ping' }, true);
      await Promise.all(
        rooms.map(async ([room, state]) => {
          try {
            await this.recover(room, state);
          } catch (error) {
            // Taken from the user while disconnected: the other rooms are restored all the same.
            if (!(error instanceof SwitchboardError && error.code === 'forbidden')) throw error;
            return this.lose(room, state);
          }
          this.release(room, state);
        }),
      );
    } catch (error) {
      // A connection that went is restored by the next one; a refused join by starting over.
      if (isServerRefusal(error) && this.socket === socket) this.resynchronize();
      return;
    }
    if (this.socket !== socket) return;
    this.attempt = 0;
    this.authRefusals = 0;
    this.failedOpens = 0;
    this.ready = true;
    this.stopPolling();
    this.setState('open');
    this.pump();
  }

  /** While polling, the WebSocket's attempts go on in the background: the client stays open. */
  private setSocketState(state: ConnectionState): void {
    if (this.currentTransport === 'websocket') this.setState(state);
  }

  private setTransport(transport: Transport): void {
    if (this.currentTransport === transport) return;
    this.currentTransport = transport;
    for (const listener of this.listeners.transport) listener(transport);
  }

  /**
   * Falls back to HTTP: every joined room followed by long polling from its last seq, the outbox
   * sent over POST. The WebSocket's reconnection goes on; `restore` ends polling once it opens.
   */
  private startPolling(): void {
    if (!this.options.historyUrl || this.polling || this.state === 'closed') return;
    const polling = new AbortController();
    this.polling = polling;
    this.setTransport('polling');
    for (const [room, state] of this.rooms) {
      if (state.lastSeq !== undefined) void this.follow(room, state, polling.signal);
    }
    this.setState('open');
    this.pump();
  }

  private stopPolling(): void {
    this.polling?.abort();
    this.polling = undefined;
    this.setTransport('websocket');
  }

  /**
   * Long-polls a room from its last seq until polling ends or the room is left: each page's
   * messages and events past `lastSeq` are emitted in seq order, so none twice, even when a
   * WebSocket join brings the same ones meanwhile.
   */
  private async follow(room: string, state: RoomState, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted && this.rooms.get(room) === state) {
      try {
        const page = await this.http<MessagePage>(
          'GET',
          `/rooms/${encodeURIComponent(room)}/messages?after=${state.lastSeq ?? 0}&wait=${LONG_POLL_WAIT_SECONDS}`,
          undefined,
          signal,
        );
        failures = 0;
        this.authRefusals = 0;
        if (signal.aborted || this.rooms.get(room) !== state) return;
        this.deliverPage(state, page);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof SwitchboardError && error.code === 'forbidden') {
          return this.lose(room, state);
        }
        // The next poll asks token() again, at once.
        if (error instanceof SwitchboardError && error.code === 'unauthorized') {
          if (this.refusedTwice(error)) return;
          continue;
        }
        const retryAfterMs = error instanceof SwitchboardError ? error.retryAfterMs : undefined;
        await abortableDelay(retryAfterMs ?? reconnectDelay(failures++, this.backoff), signal);
      }
    }
  }

  private deliverPage(state: RoomState, page: Pick<JoinedFrame, 'messages' | 'events'>): void {
    for (const item of sequencedItems(page)) {
      if (item.seq <= (state.lastSeq ?? 0)) continue;
      state.lastSeq = item.seq;
      // A message deleted meanwhile is told by its delete, which follows it.
      if (!('deleted' in item)) this.emit(item);
    }
  }

  /**
   * The application's join while polling: the newest page (or everything after `since`) over HTTP,
   * then the room is followed. HTTP has no member list nor read state: those come back empty.
   */
  private async joinOverHttp(
    room: string,
    state: RoomState,
    since: number | undefined,
  ): Promise<JoinResult> {
    const path = `/rooms/${encodeURIComponent(room)}/messages`;
    const messages: HistoryMessage[] = [];
    const events: MessageChangeFrame[] = [];
    let cursor = since;
    for (;;) {
      const page = await this.http<MessagePage>(
        'GET',
        cursor === undefined ? path : `${path}?after=${cursor}`,
      );
      messages.push(...page.messages);
      events.push(...(page.events ?? []));
      cursor = Math.max(lastSeqOf(page) ?? 0, cursor ?? 0);
      if (since === undefined || !page.hasMore) break;
    }
    if (this.rooms.get(room) === state) {
      state.lastSeq = Math.max(state.lastSeq ?? 0, cursor);
      if (this.polling) void this.follow(room, state, this.polling.signal);
    }
    return {
      messages,
      ...(events.length ? { events } : {}),
      members: [],
      lastReadSeq: 0,
      unread: 0,
    };
  }

  /**
   * Sends the outbox over `POST /rooms/:room/messages` while polling, one message at a time in call
   * order, with its `clientMsgId`: a message sent again (after a lost answer, or over the WebSocket
   * once it is back) is stored once. Refusals are handled as over the WebSocket.
   */
  private async sendOverHttp(): Promise<void> {
    if (this.sendingOverHttp) return;
    this.sendingOverHttp = true;
    try {
      for (;;) {
        if (this.currentTransport !== 'polling' || this.ready) return;
        const outgoing = this.nextSend();
        if (!outgoing) return;
        outgoing.inFlight = true;
        let message: ChatMessage;
        try {
          message = await this.http<ChatMessage>(
            'POST',
            `/rooms/${encodeURIComponent(outgoing.room)}/messages`,
            { text: outgoing.text, clientMsgId: outgoing.clientMsgId },
          );
        } catch (error) {
          outgoing.inFlight = false;
          if (!this.outbox.has(outgoing.clientMsgId)) continue;
          const refusal = isServerRefusal(error)
            ? error
            : new SwitchboardError('internal_error', `sending failed: ${String(error)}`);
          if (SEND_REFUSALS[refusal.code as ErrorCode] !== 'final') {
            this.holdSends(outgoing.room, refusal);
            continue;
          }
          this.outbox.delete(outgoing.clientMsgId);
          outgoing.reject(refusal);
          continue;
        }
        outgoing.inFlight = false;
        this.outbox.delete(outgoing.clientMsgId);
        const { id, room, seq, ts, clientMsgId } = message;
        outgoing.resolve({ type: 'ack', id, room, seq, ts, clientMsgId });
      }
    } finally {
      this.sendingOverHttp = false;
    }
  }

  /** A request to the history service with the current token; an error body becomes a SwitchboardError. */
  private async http<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const token = await this.options.token();
    const response = await fetch(`${(this.options.historyUrl ?? '').replace(/\/$/, '')}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
    const answer = (await response.json().catch(() => undefined)) as
      { code?: ErrorCode; message?: string; retryAfterMs?: number } | undefined;
    if (response.ok) return answer as T;
    throw new SwitchboardError(
      answer?.code ?? 'internal_error',
      answer?.message ?? `${method} ${path}: HTTP ${response.status}`,
      answer?.retryAfterMs,
    );
  }

  /** Starts the connection over (with backoff): the simplest way to be joined to every room again. */
  private resynchronize(): void {
    const socket = this.socket;
    if (!socket) return;
    this.lost(socket);
    socket.close(1000, 'resynchronizing');
  }

  private lost(socket: WebSocketLike): void {
    if (this.socket !== socket) return;
    this.disconnected(socket);
    this.retryLater();
  }

  private disconnected(socket: WebSocketLike): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.ready = false;
    clearTimeout(this.heartbeatTimer);
    this.failRequests(new SwitchboardError('connection_closed', 'the connection was lost'));
  }

  private retryLater(): void {
    if (this.state === 'closed') return;
    this.setSocketState('reconnecting');
    this.reconnectTimer = setTimeout(
      () => void this.open(),
      reconnectDelay(this.attempt++, this.backoff),
    );
  }

  private receive(data: unknown): void {
    const frame = JSON.parse(String(data)) as ServerFrame;
    switch (frame.type) {
      case 'left': {
        if (frame.reason === undefined) {
          this.replies.shift()?.resolve(frame);
          return this.pump();
        }
        // Sent unasked: the room was taken from this user.
        const state = this.rooms.get(frame.room);
        if (state) this.lose(frame.room, state);
        return;
      }
      case 'joined':
      case 'ack':
      case 'change_ack':
      case 'pong':
        this.replies.shift()?.resolve(frame);
        return this.pump();
      case 'error':
        this.replies
          .shift()
          ?.reject(new SwitchboardError(frame.code, frame.message, frame.retryAfterMs));
        return this.pump();
      case 'message': {
        const state = this.rooms.get(frame.room);
        // From a room left meanwhile, or already delivered.
        if (!state || frame.seq <= (state.lastSeq ?? 0)) return;
        const { type: _type, ...message } = frame;
        state.held.set(message.seq, message);
        this.release(frame.room, state);
        return;
      }
      case 'message_edited':
      case 'message_deleted': {
        const state = this.rooms.get(frame.room);
        if (!state || frame.seq <= (state.lastSeq ?? 0)) return;
        state.held.set(frame.seq, frame);
        this.release(frame.room, state);
        return;
      }
      case 'user_joined':
        for (const listener of this.listeners.userJoined) listener(frame.room, frame.user);
        return;
      case 'user_left':
        for (const listener of this.listeners.userLeft) listener(frame.room, frame.user);
        return;
      case 'read':
        // The reply to markRead has no user; a receipt says whose position moved.
        if (!('user' in frame)) {
          this.replies.shift()?.resolve(frame);
          return this.pump();
        }
        for (const listener of this.listeners.read) listener(frame.room, frame.user, frame.seq);
        return;
      case 'inbox':
        this.replies.shift()?.resolve(frame);
        return this.pump();
      case 'typing':
      case 'typing_stopped': {
        // The replies to typing and typing_stop have no user; a broadcast says who.
        if (!('user' in frame)) {
          this.replies.shift()?.resolve(frame);
          return this.pump();
        }
        const listeners =
          frame.type === 'typing' ? this.listeners.typing : this.listeners.typingStopped;
        for (const listener of listeners) listener(frame.room, frame.user);
        return;
      }
      case 'presence':
        this.replies.shift()?.resolve(frame);
        return this.pump();
      case 'status': {
        const { type: _type, ...status } = frame;
        for (const listener of this.listeners.status) listener(status);
        return;
      }
      case 'unread':
        for (const listener of this.listeners.unread) {
          listener(frame.room, frame.unread, frame.lastMessage);
        }
        return;
    }
  }

  private emit(item: Sequenced): void {
    if (!('type' in item)) {
      for (const listener of this.listeners.message) listener(item);
      return;
    }
    switch (item.type) {
      case 'message_edited':
        for (const listener of this.listeners.messageEdited) listener(item);
        return;
      case 'message_deleted':
        for (const listener of this.listeners.messageDeleted) listener(item);
        return;
    }
  }

  /** Rejects what is on the wire and what waits to go out, except sends, which stay in the outbox. */
  private failRequests(error: SwitchboardError): void {
    const pending = [
      ...this.replies.splice(0),
      ...this.catchUps.splice(0),
      ...this.requests.splice(0),
    ];
    for (const request of pending) request.reject(error);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.listeners.state) listener(state);
  }
}
