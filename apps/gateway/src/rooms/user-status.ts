import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { MessageBus, Unsubscribe } from '@switchboard/bus';
import { RoomStore } from '@switchboard/persistence';
import { ONLINE, PresenceStore } from '@switchboard/presence';
import { BusChannels, UserPresence, UserRef } from '@switchboard/protocol';
import { ClientSession } from '../connections/client-session';
import { CompactList, itemsOf, withItem, withoutItem } from '../connections/exact-arrays';

/**
 * Who is online: a user is while any of their connections is open on any instance. This instance
 * counts its own connections per user and holds each connected user in the presence store's
 * `ONLINE` room, so a dead instance's users go offline when it is reaped, like its rooms' users.
 * Coming online (the first connection anywhere) and going offline (the last one) is told to the
 * user's direct-room partners, on every connection of theirs, over the `user-status` bus topic.
 */
@Injectable()
export class UserStatus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(UserStatus.name);
  /** Each connected user's connections here. */
  private readonly connections = new Map<string, CompactList<ClientSession>>();
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly presence: PresenceStore,
    private readonly bus: MessageBus,
    private readonly rooms: RoomStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe('user-status', '', (event) => this.deliver(event));
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** A connection opened; its user's first here enters `ONLINE`, and the first anywhere is announced. */
  async connected(session: ClientSession): Promise<void> {
    const { user } = session;
    const held = this.connections.get(user.id);
    this.connections.set(user.id, withItem(held, session));
    if (held === undefined && (await this.presence.enter(ONLINE, user))) {
      await this.announce(user, true, null);
    }
  }

  /** A connection closed; its user's last one anywhere takes them offline. */
  async disconnected(session: ClientSession): Promise<void> {
    const { user } = session;
    const held = this.connections.get(user.id);
    const remaining = withoutItem(held, session);
    if (remaining === held) return;
    if (remaining !== undefined) {
      this.connections.set(user.id, remaining);
      return;
    }
    this.connections.delete(user.id);
    if (await this.presence.exit(ONLINE, user.id)) await this.wentOffline(user);
  }

  /** The user is online nowhere any more (their last connection closed, or their instance died). */
  async wentOffline(user: UserRef): Promise<void> {
    const now = Date.now();
    await this.presence.recordLastSeen(user.id, now);
    await this.announce(user, false, now);
  }

  /** Enters this instance's users again after it was taken for dead, announcing them online again. */
  async reassert(): Promise<void> {
    for (const held of [...this.connections.values()]) {
      const [{ user }] = itemsOf(held);
      if (await this.presence.enter(ONLINE, user)) await this.announce(user, true, null);
    }
  }

  /** The status of each asked user who shares a room with the caller; the others are left out. */
  async statusFor(caller: string, userIds: string[]): Promise<UserPresence[]> {
    const asked = [...new Set(userIds)];
    const visible = await this.rooms.sharingRoomWith(caller, asked);
    return this.presence.statusOf(asked.filter((id) => visible.has(id)));
  }

  private async announce(user: UserRef, online: boolean, lastSeen: number | null): Promise<void> {
    const to = await this.rooms.directPartners(user.id);
    if (to.length === 0) return;
    await this.bus.publish('user-status', '', {
      to,
      frame: { type: 'status', user, online, lastSeen },
    });
  }

  private deliver({ to, frame }: BusChannels['user-status']): void {
    for (const userId of to) {
      for (const session of itemsOf(this.connections.get(userId))) session.send(frame);
    }
  }

  /** For callers that must not wait or fail: a status change that cannot be told is logged. */
  settle(work: Promise<void>): void {
    work.catch((error: unknown) =>
      this.logger.warn(`updating online status failed: ${(error as Error).message}`),
    );
  }
}
