import { Injectable, Logger } from '@nestjs/common';
import { MessageBus, Unsubscribe } from '@switchboard/bus';
import {
  MessagePage,
  MessageStore,
  ReadPositionRecord,
  ReadStateStore,
} from '@switchboard/persistence';
import {
  JoinedFrame,
  PROTOCOL_LIMITS,
  RoomEventFrame,
  SequencedFrame,
  UserRef,
} from '@switchboard/protocol';
import { ClientSession } from '../connections/client-session';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { Membership, RoomFanout } from './room-fanout';
import { RoomPresence } from './room-presence';
import { isSequenced, RoomSequencer } from './room-sequencer';

/** A room as this instance holds it: its local sessions, its bus subscription, its message order. */
interface LocalRoom {
  sessions: Map<ClientSession, Membership>;
  sequencer: RoomSequencer;
  subscription: Promise<Unsubscribe>;
  /** The last seq the sequencer delivered (from its start on): every later one reaches the room's sessions live. */
  delivered: number;
}

/**
 * A forward page as the live frames it stands for, ascending seq. A message deleted since it was
 * sent goes out with empty text: its `message_deleted` comes after it, in this read or live.
 */
function sequencedFrames(page: MessagePage): SequencedFrame[] {
  const messages = page.messages.map((message): SequencedFrame => {
    if (!('deleted' in message)) return { type: 'message', ...message };
    const { id, room, seq, user, ts, clientMsgId } = message;
    return { type: 'message', id, room, seq, user, ts, clientMsgId, text: '' };
  });
  return [...messages, ...(page.events ?? [])].sort((a, b) => a.seq - b.seq);
}

/**
 * The most a sequencer reads at once: a room far behind (its broadcasts lost for long) catches up in
 * reads of this size, one per gap-fill delay, instead of one unbounded read.
 */
const MISSING_READ_LIMIT = 1_000;

/** The resume of a client that holds every seq up to the room's end: the empty range, not read. */
const NOTHING_MISSED: MessagePage = { messages: [], hasMore: false };

/**
 * What a `joined` reply carries besides the room's history and members; the read position, when the
 * access check already read it, is not read again.
 */
export type JoinDetails = Pick<JoinedFrame, 'direct'> & { position?: ReadPositionRecord };

/**
 * Which sessions of this instance are in which room: joining (history and live frames without a gap
 * between them), leaving, evicting, and one bus subscription per room with local members, whose
 * frames `RoomFanout` writes to them. Presence is `RoomPresence`'s; who may join is decided before.
 */
@Injectable()
export class RoomMembershipService {
  private readonly logger = new Logger(RoomMembershipService.name);
  private readonly rooms = new Map<string, LocalRoom>();

  constructor(
    private readonly bus: MessageBus,
    private readonly store: MessageStore,
    private readonly fanout: RoomFanout,
    private readonly presence: RoomPresence,
    private readonly readState: ReadStateStore,
    private readonly metrics: GatewayMetrics,
  ) {}

  isMember(session: ClientSession, room: string): boolean {
    return this.rooms.get(room)?.sessions.has(session) ?? false;
  }

  /**
   * Joins (or re-joins) and sends the `joined` reply. The bus subscription exists before history is
   * read, and live frames wait until the reply is sent, so nothing falls between history and live.
   * A `watch` join does no presence work (O(1) in the room's size); the latest join's mode holds.
   * False, with no reply sent, when the session was evicted from the room while joining.
   */
  async join(
    session: ClientSession,
    room: string,
    since: number | undefined,
    details: JoinDetails = {},
    watch = false,
  ): Promise<boolean> {
    let local = this.rooms.get(room);
    const membership: Membership = { phase: 'syncing', watermark: since ?? 0, pending: undefined };
    if (!local) {
      local = this.open(room);
      this.rooms.set(room, local);
    }
    local.sessions.set(session, membership);
    session.enteredRoom(room);
    // An eviction (the user lost the room) removes the membership at once, whatever the join awaits.
    const current = () => local.sessions.get(session) === membership;
    try {
      await local.subscription;
      if (!current()) return false;
      let members: UserRef[] = [];
      if (watch) await this.presence.exit(room, session);
      else members = await this.presence.enter(room, session);
      if (!current()) return false;
      return await this.sendJoined(
        session,
        local,
        room,
        since,
        membership,
        details,
        members,
        current,
      );
    } catch (error) {
      // A failed join leaves nothing behind: no half-joined session collecting frames, no stale room.
      await this.leave(session, room).catch(() => undefined);
      throw error;
    }
  }

  private async sendJoined(
    session: ClientSession,
    local: LocalRoom,
    room: string,
    since: number | undefined,
    membership: Membership,
    details: JoinDetails,
    members: UserRef[],
    current: () => boolean,
  ): Promise<boolean> {
    // A resume reads up to where the room stood before the history read: later messages reach the
    // session live (they wait in `pending`), and a `since` past the room's end (another deployment,
    // a restored database) is clamped to it, or every message up to the client's number would be hidden.
    // Where the room's sequencer stands is such a point and needs no read: this session has received
    // every seq it delivered since the join began, and receives every later one.
    const roomEnd =
      since === undefined
        ? 0
        : since <= local.delivered
          ? local.delivered
          : await this.store.lastSeq(room);
    const [history, position] = await Promise.all([
      since === undefined
        ? this.store.page(room, { limit: PROTOCOL_LIMITS.joinHistory })
        : since >= roomEnd
          ? NOTHING_MISSED
          : this.store.page(room, {
              after: since,
              before: roomEnd + 1,
              limit: PROTOCOL_LIMITS.resumeLimit,
            }),
      details.position ?? this.readState.position(room, session.user.id),
    ]);
    if (!current()) return false;
    // Without `since` the reply is the newest page, and older messages are not owed to the client.
    const more = since !== undefined && history.hasMore;
    session.send({
      type: 'joined',
      room,
      messages: history.messages,
      ...(history.events?.length ? { events: history.events } : {}),
      members,
      ...(more ? { more: true } : {}),
      ...(details.direct ? { direct: details.direct } : {}),
      // A membership forgotten meanwhile has no position: nothing was read.
      lastReadSeq: position?.lastReadSeq ?? 0,
      unread: position?.unread ?? 0,
    });

    if (more) {
      membership.phase = 'paused';
      membership.pending = undefined;
      return true;
    }
    const lastSent = Math.max(history.messages.at(-1)?.seq ?? 0, history.events?.at(-1)?.seq ?? 0);
    membership.watermark = lastSent || Math.min(since ?? 0, roomEnd);
    this.fanout.release(session, membership);
    return true;
  }

  async leave(session: ClientSession, room: string): Promise<void> {
    const local = this.rooms.get(room);
    if (!local?.sessions.delete(session)) return;
    session.leftRoom(room);
    await this.presence.exit(room, session);
    if (local.sessions.size === 0 && this.rooms.get(room) === local) {
      this.rooms.delete(room);
      local.sequencer.stop();
      // A subscription that failed left nothing to undo; the next join subscribes afresh.
      const unsubscribe = await local.subscription.catch(() => undefined);
      await unsubscribe?.();
    }
  }

  /**
   * Takes the room from every session here that `loses` picks, at once: they receive nothing more
   * from it. A session whose join was answered is told `left` with reason `removed`; one still
   * joining gets its refusal from the join itself.
   */
  evict(room: string, loses: (session: ClientSession) => boolean): void {
    const local = this.rooms.get(room);
    if (!local) return;
    for (const [session, membership] of [...local.sessions]) {
      if (!loses(session)) continue;
      const answered = membership.phase !== 'syncing';
      this.leave(session, room).catch((error: unknown) =>
        this.logger.warn(`leaving ${room} after an eviction failed: ${(error as Error).message}`),
      );
      if (answered) session.send({ type: 'left', room, reason: 'removed' });
    }
  }

  /** The users of the room's sessions on this instance. */
  usersIn(room: string): string[] {
    const local = this.rooms.get(room);
    return local ? [...new Set([...local.sessions.keys()].map((session) => session.user.id))] : [];
  }

  /**
   * Reads where each local room's sequence stands and tells its sequencer: a message committed but
   * not delivered here within the gap-fill delay is read from PostgreSQL (`RoomPositionCheck`).
   */
  async checkPositions(): Promise<void> {
    if (this.rooms.size === 0) return;
    const lastSeqs = await this.store.lastSeqs([...this.rooms.keys()]);
    for (const [room, lastSeq] of lastSeqs) this.rooms.get(room)?.sequencer.expectUpTo(lastSeq);
  }

  /** Leaves every room of a closed session. */
  async leaveAll(session: ClientSession): Promise<void> {
    await Promise.all(session.rooms.map((room) => this.leave(session, room)));
  }

  private open(room: string): LocalRoom {
    const sequencer = new RoomSequencer(
      ({ frame, raw }) => {
        local.delivered = frame.seq;
        this.broadcast(room, frame, raw);
      },
      async (after, before, reason) => {
        const limit = Math.min(before - after - 1, MISSING_READ_LIMIT);
        const page = await this.store.page(room, { after, before, limit });
        this.metrics.broadcastsReadFromStore.inc(
          { reason },
          page.messages.length + (page.events?.length ?? 0),
        );
        return sequencedFrames(page);
      },
    );
    const local: LocalRoom = {
      sessions: new Map(),
      sequencer,
      subscription: this.subscribe(room, sequencer, (start) => (local.delivered = start)),
      delivered: 0,
    };
    return local;
  }

  /**
   * Listens to the room, then reads where its sequence stands: every later message is broadcast in
   * seq order, every earlier one is in the history a joiner reads after this resolves.
   */
  private async subscribe(
    room: string,
    sequencer: RoomSequencer,
    started: (lastCommittedSeq: number) => void,
  ): Promise<Unsubscribe> {
    const unsubscribe = await this.bus.subscribe('room', room, (frame, raw) => {
      if (isSequenced(frame)) sequencer.accept(frame, raw);
      else this.broadcast(room, frame, raw);
    });
    const lastCommittedSeq = await this.store.lastSeq(room);
    started(lastCommittedSeq);
    sequencer.start(lastCommittedSeq);
    return unsubscribe;
  }

  private broadcast(room: string, frame: RoomEventFrame, raw: string): void {
    const local = this.rooms.get(room);
    if (local) this.fanout.broadcast(local.sessions, frame, raw);
  }
}
