import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { MessageBus, Unsubscribe } from '@switchboard/bus';
import { SwitchboardConfig } from '@switchboard/config';
import { PresenceStore } from '@switchboard/presence';
import { MessageDeliveryFrame, UserLeftFrame, UserRef } from '@switchboard/protocol';
import { BucketState, takeToken, TakeResult, TokenBucketPolicy } from '@switchboard/rate-limit';
import { ClientSession } from '../connections/client-session';

/** `typing` frames one connection may send: far above a client repeating every 2 s in a few rooms. */
export const TYPING_FRAME_LIMIT: TokenBucketPolicy = { perSecond: 5, burst: 10 };

/** A user typing in a room on this instance, and the connection that last said so. */
interface Typist {
  user: UserRef;
  session: ClientSession;
  timer: NodeJS.Timeout;
}

/** A room with typists on this instance: them by user id, and the handler watching the room for their sends. */
interface TypingRoom {
  typists: Map<string, Typist>;
  unsubscribe: Promise<Unsubscribe | undefined>;
}

/**
 * Who is typing where, for the users whose connections are on this instance. This instance owns
 * their timers and announces on the room's bus topic `typing` once when a user starts (and again
 * when another user joins the room, for them) and `typing_stopped` once when they stop: `typing_stop`, a message of theirs in the room (from any
 * instance or HTTP), leaving the room, closing the connection, or `TYPING_TIMEOUT_MS` of silence.
 * Typists are recorded in the presence store, so the other instances announce them stopped if this
 * one dies. Nothing of it is stored in PostgreSQL, and message fan-out does no typing work.
 */
@Injectable()
export class RoomTyping implements OnModuleDestroy {
  private readonly logger = new Logger(RoomTyping.name);
  private readonly rooms = new Map<string, TypingRoom>();
  // Per connection and in memory: typing never takes from the user's message budget.
  private readonly buckets = new WeakMap<ClientSession, BucketState>();

  constructor(
    private readonly bus: MessageBus,
    private readonly presence: PresenceStore,
    private readonly config: SwitchboardConfig,
  ) {}

  /** Takes one of the connection's `typing` tokens. */
  admit(session: ClientSession): TakeResult {
    const { state, result } = takeToken(this.buckets.get(session), Date.now(), TYPING_FRAME_LIMIT);
    this.buckets.set(session, state);
    return result;
  }

  /** Announces the user typing in the room the first time; a repeat only restarts the timeout. */
  async start(session: ClientSession, room: string): Promise<void> {
    const { user } = session;
    const typing = this.rooms.get(room) ?? this.watch(room);
    const typist = typing.typists.get(user.id);
    if (typist) {
      typist.session = session;
      typist.timer.refresh();
      return;
    }
    const timer = setTimeout(
      () => this.settle(this.end(room, user.id)),
      this.config.typingTimeoutMs,
    );
    timer.unref();
    typing.typists.set(user.id, { user, session, timer });
    await this.announce(room, user, 'typing');
  }

  /** The user stopped typing in the room, from whichever of their connections. */
  stop(session: ClientSession, room: string): Promise<void> {
    return this.end(room, session.user.id);
  }

  /** The connection left the room: its user stops typing there if it was the one typing. */
  left(session: ClientSession, room: string): void {
    if (this.rooms.get(room)?.typists.get(session.user.id)?.session === session) {
      this.settle(this.end(room, session.user.id));
    }
  }

  /** The connection closed: its user stops typing wherever it was the one typing. */
  closed(session: ClientSession): void {
    for (const room of [...this.rooms.keys()]) this.left(session, room);
  }

  /** Records and announces every typist again, after the other instances took this one for dead. */
  async reassert(): Promise<void> {
    for (const [room, { typists }] of [...this.rooms]) {
      for (const { user } of [...typists.values()]) await this.announce(room, user, 'typing');
    }
  }

  onModuleDestroy(): void {
    for (const { typists } of this.rooms.values()) {
      for (const { timer } of typists.values()) clearTimeout(timer);
    }
  }

  /**
   * Watches the room while it has typists here: a typist's message, or their leaving the room on
   * every connection (an eviction included), ends their typing. The room's topic is already heard
   * for the typist's own connection, so this adds a handler, not a subscription.
   */
  private watch(room: string): TypingRoom {
    const typing: TypingRoom = {
      typists: new Map(),
      unsubscribe: this.bus
        .subscribe('room', room, (frame) => {
          if (frame.type === 'message' || frame.type === 'user_left') this.observe(room, frame);
          else if (frame.type === 'user_joined') this.introduce(room, frame.user.id);
        })
        .catch((error: unknown) => {
          this.logger.warn(
            `watching ${room} for typists' messages failed: ${(error as Error).message}`,
          );
          return undefined;
        }),
    };
    this.rooms.set(room, typing);
    return typing;
  }

  /**
   * Announces this instance's typists in the room again for a user who just joined it: `typing` is
   * announced once per start, so without this a joiner would not see who is already typing until they
   * stop and start again. The joiner's join reply goes out before it (live frames wait for the reply).
   */
  private introduce(room: string, joinerId: string): void {
    for (const { user } of this.rooms.get(room)?.typists.values() ?? []) {
      if (user.id !== joinerId)
        this.settle(this.bus.publish('room', room, { type: 'typing', room, user }));
    }
  }

  /**
   * A `user_left` ends typing only if the typing connection is out of the room: one announced by a
   * reap while this instance was taken for dead must not end what it still holds.
   */
  private observe(room: string, frame: MessageDeliveryFrame | UserLeftFrame): void {
    const typist = this.rooms.get(room)?.typists.get(frame.user.id);
    if (!typist || (frame.type === 'user_left' && typist.session.isIn(room))) return;
    this.settle(this.end(room, frame.user.id));
  }

  private end(room: string, userId: string): Promise<void> {
    const typing = this.rooms.get(room);
    const typist = typing?.typists.get(userId);
    if (!typing || !typist) return Promise.resolve();
    typing.typists.delete(userId);
    clearTimeout(typist.timer);
    if (typing.typists.size === 0) {
      this.rooms.delete(room);
      this.settle(typing.unsubscribe.then((unsubscribe) => unsubscribe?.()));
    }
    return this.announce(room, typist.user, 'typing_stopped');
  }

  /**
   * The record and the publish are issued in the same turn as the state change, so a start and the
   * stop that follows it reach Redis, and the room, in that order.
   */
  private async announce(
    room: string,
    user: UserRef,
    type: 'typing' | 'typing_stopped',
  ): Promise<void> {
    await Promise.all([
      type === 'typing'
        ? this.presence.startTyping(room, user)
        : this.presence.stopTyping(room, user.id),
      this.bus.publish('room', room, { type, room, user }),
    ]);
  }

  private settle(work: Promise<unknown>): void {
    work.catch((error: unknown) =>
      this.logger.warn(`typing upkeep failed: ${(error as Error).message}`),
    );
  }
}
