import { Injectable } from '@nestjs/common';
import { MessageBus, Unsubscribe } from '@switchboard/bus';
import { MessageStore } from '@switchboard/persistence';
import { PresenceStore } from '@switchboard/presence';
import { PROTOCOL_LIMITS, RoomEventFrame } from '@switchboard/protocol';
import { ClientSession } from '../connections/client-session';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { textFrame } from '../connections/websocket-frame';
import { RoomSequencer } from './room-sequencer';

/**
 * How a session receives a room's live frames:
 * - `syncing`: its join reply is being prepared; live frames wait in `pending`.
 * - `live`: frames go out as they arrive; messages with `seq <= watermark` were in the join reply.
 * - `paused`: a resume had more than one reply's worth (`more: true`); the client joins again with
 *   `since`, and live frames are not sent until then (they will come from the database).
 */
interface Membership {
  phase: 'syncing' | 'live' | 'paused';
  watermark: number;
  pending: { frame: RoomEventFrame; wire: Buffer }[];
  /** Whether this connection is counted in the room's `connectionsByUser` (and so in presence). */
  counted: boolean;
}

/** A room as this instance holds it: its local sessions, its users, its bus subscription, its message order. */
interface LocalRoom {
  sessions: Map<ClientSession, Membership>;
  connectionsByUser: Map<string, number>;
  sequencer: RoomSequencer;
  subscription: Promise<Unsubscribe>;
}

/**
 * Room membership on this instance, presence across instances, and fan-out: one bus subscription
 * per room with local members, each broadcast serialized once and written to every local member.
 */
@Injectable()
export class RoomMembershipService {
  private readonly rooms = new Map<string, LocalRoom>();

  constructor(
    private readonly bus: MessageBus,
    private readonly presence: PresenceStore,
    private readonly store: MessageStore,
    private readonly metrics: GatewayMetrics,
  ) {}

  isMember(session: ClientSession, room: string): boolean {
    return this.rooms.get(room)?.sessions.has(session) ?? false;
  }

  /**
   * Joins (or re-joins) and sends the `joined` reply. The bus subscription exists before history is
   * read, and live frames wait until the reply is sent, so nothing falls between history and live.
   */
  async join(session: ClientSession, room: string, since: number | undefined): Promise<void> {
    let local = this.rooms.get(room);
    const membership: Membership = {
      phase: 'syncing',
      watermark: since ?? 0,
      pending: [],
      counted: local?.sessions.get(session)?.counted ?? false,
    };
    if (!local) {
      const sequencer = new RoomSequencer(
        ({ frame, raw }) => this.broadcast(room, frame, raw),
        (after, before) =>
          this.store
            .page(room, { after, before, limit: before - after - 1 })
            .then((page) => page.messages),
      );
      local = {
        sessions: new Map(),
        connectionsByUser: new Map(),
        sequencer,
        subscription: this.subscribe(room, sequencer),
      };
      this.rooms.set(room, local);
    }
    local.sessions.set(session, membership);
    session.rooms.add(room);
    try {
      await local.subscription;
      if (!membership.counted) await this.enterPresence(local, room, session, membership);
      await this.sendJoined(session, room, since, membership);
    } catch (error) {
      // A failed join leaves nothing behind: no half-joined session collecting frames, no stale room.
      await this.leave(session, room).catch(() => undefined);
      throw error;
    }
  }

  private async sendJoined(
    session: ClientSession,
    room: string,
    since: number | undefined,
    membership: Membership,
  ): Promise<void> {
    // A resume reads up to where the room stood before the history read: later messages reach the
    // session live (they wait in `pending`), and a `since` past the room's end (another deployment,
    // a restored database) is clamped to it, or every message up to the client's number would be hidden.
    const roomEnd = since === undefined ? 0 : await this.store.lastSeq(room);
    const [history, members] = await Promise.all([
      since === undefined
        ? this.store.page(room, { limit: PROTOCOL_LIMITS.joinHistory })
        : this.store.page(room, {
            after: since,
            before: roomEnd + 1,
            limit: PROTOCOL_LIMITS.resumeLimit,
          }),
      this.presence.members(room),
    ]);
    // Without `since` the reply is the newest page, and older messages are not owed to the client.
    const more = since !== undefined && history.hasMore;
    session.send({
      type: 'joined',
      room,
      messages: history.messages,
      members,
      ...(more ? { more: true } : {}),
    });

    if (more) {
      membership.phase = 'paused';
      membership.pending = [];
      return;
    }
    membership.watermark = history.messages.at(-1)?.seq ?? Math.min(since ?? 0, roomEnd);
    membership.phase = 'live';
    for (const { frame, wire } of membership.pending)
      this.deliver(session, membership, frame, wire);
    membership.pending = [];
  }

  async leave(session: ClientSession, room: string): Promise<void> {
    const local = this.rooms.get(room);
    const membership = local?.sessions.get(session);
    if (!local || !membership) return;
    local.sessions.delete(session);
    session.rooms.delete(room);
    const remaining =
      (local.connectionsByUser.get(session.user.id) ?? 0) - (membership.counted ? 1 : 0);
    if (remaining > 0) {
      local.connectionsByUser.set(session.user.id, remaining);
    } else if (membership.counted) {
      local.connectionsByUser.delete(session.user.id);
      if (await this.presence.exit(room, session.user.id)) {
        await this.bus.publish('room', room, { type: 'user_left', room, user: session.user });
      }
    }
    if (local.sessions.size === 0 && this.rooms.get(room) === local) {
      this.rooms.delete(room);
      local.sequencer.stop();
      // A subscription that failed left nothing to undo; the next join subscribes afresh.
      const unsubscribe = await local.subscription.catch(() => undefined);
      await unsubscribe?.();
    }
  }

  /**
   * Enters again every (room, user) this instance holds, after the other instances took it for dead
   * (a long pause) and released them; the rooms hear `user_joined` for whoever had been announced gone.
   */
  async reassertPresence(): Promise<void> {
    for (const [room, local] of this.rooms) {
      const users = new Map(
        [...local.sessions.keys()].map((session) => [session.user.id, session.user]),
      );
      for (const user of users.values()) {
        if (await this.presence.enter(room, user)) {
          await this.bus.publish('room', room, { type: 'user_joined', room, user });
        }
      }
    }
  }

  /** Leaves every room of a closed session. */
  async leaveAll(session: ClientSession): Promise<void> {
    await Promise.all([...session.rooms].map((room) => this.leave(session, room)));
  }

  /**
   * Listens to the room, then reads where its sequence stands: every later message is broadcast in
   * seq order, every earlier one is in the history a joiner reads after this resolves.
   */
  private async subscribe(room: string, sequencer: RoomSequencer): Promise<Unsubscribe> {
    const unsubscribe = await this.bus.subscribe('room', room, (frame, raw) => {
      if (frame.type === 'message') sequencer.accept(frame, raw);
      else this.broadcast(room, frame, raw);
    });
    sequencer.start(await this.store.lastSeq(room));
    return unsubscribe;
  }

  private async enterPresence(
    local: LocalRoom,
    room: string,
    session: ClientSession,
    membership: Membership,
  ): Promise<void> {
    const connections = (local.connectionsByUser.get(session.user.id) ?? 0) + 1;
    local.connectionsByUser.set(session.user.id, connections);
    membership.counted = true;
    if (connections === 1 && (await this.presence.enter(room, session.user))) {
      await this.bus.publish('room', room, { type: 'user_joined', room, user: session.user });
    }
  }

  /** The fan-out hot path: one WebSocket frame per broadcast, written as is to every local member. */
  private broadcast(room: string, frame: RoomEventFrame, raw: string): void {
    const local = this.rooms.get(room);
    if (!local) return;
    const started = process.hrtime.bigint();
    const wire = textFrame(raw);
    let delivered = 0;
    for (const [session, membership] of local.sessions) {
      switch (membership.phase) {
        case 'live':
          if (this.deliver(session, membership, frame, wire)) delivered++;
          break;
        case 'syncing':
          membership.pending.push({ frame, wire });
          break;
        case 'paused':
          break;
      }
    }
    this.metrics.deliveries.inc(delivered);
    this.metrics.broadcastDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  private deliver(
    session: ClientSession,
    membership: Membership,
    frame: RoomEventFrame,
    wire: Buffer,
  ): boolean {
    switch (frame.type) {
      case 'message':
        if (frame.seq <= membership.watermark) return false;
        break;
      case 'user_joined':
      case 'user_left':
        // Presence changes are news for the others only.
        if (frame.user.id === session.user.id) return false;
        break;
    }
    if (session.isSlow()) {
      if (session.dropAsSlow()) this.metrics.slowConsumersDropped.inc();
      return false;
    }
    return session.sendFrame(wire);
  }
}
