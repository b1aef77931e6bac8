import { JoinResult, SwitchboardClient, SwitchboardError } from '@switchboard/client';
import type {
  AckFrame,
  ChatMessage,
  HistoryMessage,
  MessageChangeFrame,
  MessagePageResponse,
  UserRef,
} from '@switchboard/protocol';
import { HttpAccess } from './http-access';

/** Where a room stands for this component tree. */
export type RoomStatus = 'joining' | 'joined' | 'failed' | 'removed';

/** A message sent from this client that the server has not stored yet (or refused: `error`). */
export interface PendingMessage {
  /** A local key, for lists. */
  key: string;
  text: string;
  error?: Error;
}

/** Everything `useRoom` shows of a room: replaced as a whole on every change. */
export interface RoomSnapshot {
  room: string;
  status: RoomStatus;
  /** Why the join failed (`failed`), for example `forbidden`. */
  error: Error | undefined;
  /** Ascending seq, each once, in their current state (edited text, deleted ones as `deleted: true`). */
  messages: readonly HistoryMessage[];
  /** This client's sends not in `messages` yet, in send order. */
  pending: readonly PendingMessage[];
  members: readonly UserRef[];
  /** Who is typing now, in the order they started. */
  typing: readonly UserRef[];
  /** Everything up to this seq is read by this user. */
  lastReadSeq: number;
  /** Messages after `lastReadSeq` other users sent. */
  unread: number;
  /** How far each member (this user included) has read, by user id, as far as this client heard. */
  readBy: Readonly<Record<string, number>>;
  /** Older messages exist than the oldest in `messages`: `loadOlder` fetches them. */
  hasOlder: boolean;
  loadingOlder: boolean;
}

/** What `loadOlder` fetches per page (the history service's maximum is 100). */
export const OLDER_PAGE_SIZE = 50;

export function emptyRoom(room: string): RoomSnapshot {
  return {
    room,
    status: 'joining',
    error: undefined,
    messages: [],
    pending: [],
    members: [],
    typing: [],
    lastReadSeq: 0,
    unread: 0,
    readBy: {},
    hasOlder: false,
    loadingOlder: false,
  };
}

/** `incoming` merged into `messages` (ascending seq): by seq, each once, the incoming one kept. */
export function mergeBySeq(
  messages: readonly HistoryMessage[],
  incoming: readonly HistoryMessage[],
): readonly HistoryMessage[] {
  if (!incoming.length) return messages;
  const last = messages.at(-1)?.seq ?? 0;
  // The usual case, one live message after the rest, costs one copy.
  if (incoming.length === 1 && incoming[0].seq > last) return [...messages, incoming[0]];
  const bySeq = new Map<number, HistoryMessage>();
  for (const message of messages) bySeq.set(message.seq, message);
  for (const message of incoming) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** An edit or delete applied to the message it changes; messages not loaded are unaffected. */
export function applyChange(
  messages: readonly HistoryMessage[],
  change: MessageChangeFrame,
): readonly HistoryMessage[] {
  const index = messages.findIndex((message) => message.id === change.id);
  if (index < 0) return messages;
  const message = messages[index];
  if ('deleted' in message) return messages;
  const changed: HistoryMessage =
    change.type === 'message_edited'
      ? { ...message, text: change.text, editedAt: change.editedAt }
      : {
          id: message.id,
          room: message.room,
          seq: message.seq,
          user: message.user,
          ts: message.ts,
          clientMsgId: message.clientMsgId,
          deleted: true,
        };
  const copy = [...messages];
  copy[index] = changed;
  return copy;
}

/**
 * One room as shown by every component using it: joined once, kept current from the client's
 * events (which the client delivers once each and in seq order, live or recovered after a
 * reconnect), left when the last component lets go.
 */
export class RoomStore {
  private snapshot: RoomSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: (() => void)[] = [];
  /** Pending sends acknowledged before their message arrived, by the seq it will have. */
  private readonly acknowledged = new Map<number, string>();
  private nextPendingKey = 0;
  /** A join is on its way. */
  private joining = false;
  private stopped = false;

  constructor(
    private readonly client: SwitchboardClient,
    readonly room: string,
    private readonly http: HttpAccess,
    private readonly userId: () => string | undefined,
  ) {
    this.snapshot = emptyRoom(room);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): RoomSnapshot => this.snapshot;

  /** Follows the client's events of this room and joins it. */
  start(): void {
    const { client, room } = this;
    this.unsubscribe.push(
      client.on('message', (message) => {
        if (message.room === room) this.received(message);
      }),
      client.on('messageEdited', (change) => {
        if (change.room === room) this.changed(change);
      }),
      client.on('messageDeleted', (change) => {
        if (change.room === room) this.changed(change);
      }),
      client.on('userJoined', (eventRoom, user) => {
        if (eventRoom !== room) return;
        const { members } = this.snapshot;
        if (!members.some((member) => member.id === user.id))
          this.update({ members: [...members, user] });
      }),
      client.on('userLeft', (eventRoom, user) => {
        if (eventRoom !== room) return;
        this.update({
          members: this.snapshot.members.filter((member) => member.id !== user.id),
          typing: this.snapshot.typing.filter((typist) => typist.id !== user.id),
        });
      }),
      client.on('typing', (eventRoom, user) => {
        if (eventRoom !== room) return;
        if (!this.snapshot.typing.some((typist) => typist.id === user.id))
          this.update({ typing: [...this.snapshot.typing, user] });
      }),
      client.on('typingStopped', (eventRoom, user) => {
        if (eventRoom === room) this.stoppedTyping(user.id);
      }),
      client.on('read', (eventRoom, user, seq) => {
        if (eventRoom !== room) return;
        const readBy = { ...this.snapshot.readBy, [user.id]: seq };
        if (user.id === this.userId() && seq > this.snapshot.lastReadSeq)
          this.readUpTo(seq, readBy);
        else this.update({ readBy });
      }),
      client.on('removed', (eventRoom) => {
        if (eventRoom === room) this.update({ status: 'removed', typing: [] });
      }),
    );
    this.unsubscribe.push(
      client.on('state', (state) => {
        if (state === 'open' && this.snapshot.status === 'joining' && !this.joining) this.join();
      }),
    );
    if (client.connectionState === 'open') this.join();
  }

  /**
   * Joins once the client is open (it refuses requests before). A join cut by a disconnection is
   * tried again when it opens; once joined, the client itself rejoins the room after reconnects.
   */
  private join(): void {
    this.joining = true;
    this.client.join(this.room).then(
      (joined) => {
        this.joining = false;
        this.joined(joined);
      },
      (error: unknown) => {
        this.joining = false;
        if (this.stopped) return;
        if (error instanceof SwitchboardError && error.code === 'connection_closed') {
          if (this.client.connectionState === 'open') this.join();
          return;
        }
        this.update({ status: 'failed', error: asError(error) });
      },
    );
  }

  /** Stops following the room and leaves it (the client keeps no state of it afterwards). */
  stop(): void {
    this.stopped = true;
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.listeners.clear();
    if (this.snapshot.status === 'joined' || this.snapshot.status === 'joining')
      this.client.leave(this.room).catch(() => {
        // Closed meanwhile: a closed client is in no room.
      });
  }

  /**
   * Sends a message: it shows in `pending` until it arrives in `messages` (the server stores it once
   * even when the client sends it again after a reconnect). Resolves with the server's ack.
   */
  async send(text: string): Promise<AckFrame> {
    const key = `pending-${this.nextPendingKey++}`;
    this.update({ pending: [...this.snapshot.pending, { key, text }] });
    let ack: AckFrame;
    try {
      ack = await this.client.send(this.room, text);
    } catch (error) {
      this.update({
        pending: this.snapshot.pending.map((pending) =>
          pending.key === key ? { ...pending, error: asError(error) } : pending,
        ),
      });
      throw error;
    }
    if (this.snapshot.messages.some((message) => message.seq === ack.seq)) this.settle(key);
    else this.acknowledged.set(ack.seq, key);
    return ack;
  }

  /** Forgets a refused send shown in `pending`. */
  dismiss(key: string): void {
    this.settle(key);
  }

  /** Fetches the page of messages before the oldest loaded one from the history service. */
  async loadOlder(): Promise<void> {
    const oldest = this.snapshot.messages[0]?.seq;
    if (this.snapshot.loadingOlder || !this.snapshot.hasOlder || oldest === undefined) return;
    this.update({ loadingOlder: true });
    try {
      const page = (await this.http.get(
        `/rooms/${encodeURIComponent(this.room)}/messages?before=${oldest}&limit=${OLDER_PAGE_SIZE}`,
      )) as MessagePageResponse<HistoryMessage, MessageChangeFrame>;
      // Live events may have changed these meanwhile: the loaded copy of a message never replaces one held.
      this.update({
        messages: mergeBySeq(page.messages, this.snapshot.messages),
        hasOlder: page.hasMore,
      });
      this.recount();
    } finally {
      this.update({ loadingOlder: false });
    }
  }

  /**
   * Marks the room read up to `seq` (default: its newest message); resolves with this user's read
   * position now, which never moves back.
   */
  async markRead(seq?: number): Promise<number> {
    const upTo = seq ?? this.snapshot.messages.at(-1)?.seq ?? 0;
    const position = await this.client.markRead(this.room, upTo);
    if (position > this.snapshot.lastReadSeq) this.readUpTo(position, this.snapshot.readBy);
    return position;
  }

  private joined(joined: JoinResult): void {
    if (this.stopped) return;
    let messages = mergeBySeq(this.snapshot.messages, joined.messages);
    for (const change of joined.events ?? []) messages = applyChange(messages, change);
    const userId = this.userId();
    this.update({
      status: 'joined',
      error: undefined,
      messages,
      members: joined.members,
      lastReadSeq: joined.lastReadSeq,
      unread: joined.unread,
      readBy: userId
        ? { ...this.snapshot.readBy, [userId]: joined.lastReadSeq }
        : this.snapshot.readBy,
      hasOlder: (messages[0]?.seq ?? 1) > 1,
    });
  }

  private received(message: ChatMessage): void {
    const messages = mergeBySeq(this.snapshot.messages, [message]);
    const fromOther = message.user.id !== this.userId();
    const unread =
      fromOther && message.seq > this.snapshot.lastReadSeq
        ? this.snapshot.unread + 1
        : this.snapshot.unread;
    const key = this.acknowledged.get(message.seq);
    this.acknowledged.delete(message.seq);
    this.update({
      messages,
      unread,
      typing: this.snapshot.typing.filter((typist) => typist.id !== message.user.id),
      pending: key
        ? this.snapshot.pending.filter((pending) => pending.key !== key)
        : this.snapshot.pending,
    });
  }

  private changed(change: MessageChangeFrame): void {
    this.update({ messages: applyChange(this.snapshot.messages, change) });
  }

  private stoppedTyping(userId: string): void {
    if (this.snapshot.typing.some((typist) => typist.id === userId))
      this.update({ typing: this.snapshot.typing.filter((typist) => typist.id !== userId) });
  }

  private readUpTo(seq: number, readBy: Readonly<Record<string, number>>): void {
    const userId = this.userId();
    this.update({
      lastReadSeq: seq,
      readBy: userId ? { ...readBy, [userId]: seq } : readBy,
    });
    this.recount();
  }

  /**
   * Counts unread messages again when every message after the read position is loaded (else the
   * count goes on from the server's); deleted ones count, as the server counts them.
   */
  private recount(): void {
    const { messages, lastReadSeq } = this.snapshot;
    if ((messages[0]?.seq ?? Infinity) > lastReadSeq + 1 && this.snapshot.hasOlder) return;
    const userId = this.userId();
    const unread = messages.filter(
      (message) => message.seq > lastReadSeq && message.user.id !== userId,
    ).length;
    this.update({ unread });
  }

  private settle(key: string): void {
    this.update({ pending: this.snapshot.pending.filter((pending) => pending.key !== key) });
  }

  private update(change: Partial<RoomSnapshot>): void {
    if (this.stopped) return;
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener();
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
