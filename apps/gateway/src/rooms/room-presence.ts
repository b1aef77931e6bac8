import { Injectable } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { PresenceStore } from '@switchboard/presence';
import { UserRef } from '@switchboard/protocol';
import { ClientSession } from '../connections/client-session';
import { CompactList, itemsOf, withItem, withoutItem } from '../connections/exact-arrays';

/**
 * Counts each user's connections per room on this instance, so the room across instances hears
 * `user_joined` when a user's first connection enters it and `user_left` when their last one goes.
 */
@Injectable()
export class RoomPresence {
  /**
   * Each room's users on this instance, by user id, with their connections in it: a member costs its
   * map entry (their one session, as a compact list) and nothing of its own.
   */
  private readonly rooms = new Map<string, Map<string, CompactList<ClientSession>>>();

  constructor(
    private readonly presence: PresenceStore,
    private readonly bus: MessageBus,
  ) {}

  /**
   * Counts the session in the room (once, however often it joins) and announces a first connection;
   * returns who is in the room on every instance, read with the entry when this enters the user.
   */
  async enter(room: string, session: ClientSession): Promise<UserRef[]> {
    let users = this.rooms.get(room);
    if (!users) {
      users = new Map();
      this.rooms.set(room, users);
    }
    const held = users.get(session.user.id);
    if (held !== undefined) {
      if (!itemsOf(held).includes(session)) users.set(session.user.id, withItem(held, session));
      return this.presence.members(room);
    }
    users.set(session.user.id, session);
    const { first, members } = await this.presence.enterAndList(room, session.user);
    if (first) {
      await this.bus.publish('room', room, { type: 'user_joined', room, user: session.user });
    }
    return members;
  }

  /** Uncounts the session (if it was counted) and announces the user's last connection leaving. */
  async exit(room: string, session: ClientSession): Promise<void> {
    const users = this.rooms.get(room);
    const held = users?.get(session.user.id);
    if (!users || held === undefined) return;
    const remaining = withoutItem(held, session);
    if (remaining === held) return;
    if (remaining !== undefined) {
      users.set(session.user.id, remaining);
      return;
    }
    users.delete(session.user.id);
    if (users.size === 0) this.rooms.delete(room);
    if (await this.presence.exit(room, session.user.id)) {
      await this.bus.publish('room', room, { type: 'user_left', room, user: session.user });
    }
  }

  /**
   * Enters again every (room, user) this instance holds, after the other instances took it for dead
   * (a long pause) and released them; the rooms hear `user_joined` for whoever had been announced gone.
   */
  async reassert(): Promise<void> {
    for (const [room, users] of this.rooms) {
      for (const held of [...users.values()]) {
        const [{ user }] = itemsOf(held);
        if (await this.presence.enter(room, user)) {
          await this.bus.publish('room', room, { type: 'user_joined', room, user });
        }
      }
    }
  }
}
