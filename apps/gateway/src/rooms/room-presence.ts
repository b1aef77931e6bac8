import { Injectable } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { PresenceStore } from '@switchboard/presence';
import { UserRef } from '@switchboard/protocol';
import { ClientSession } from '../connections/client-session';

/** A room's users on this instance: how many of each user's connections are in it. */
interface RoomUsers {
  byUser: Map<string, { user: UserRef; connections: number }>;
  counted: Set<ClientSession>;
}

/**
 * Counts each user's connections per room on this instance, so the room across instances hears
 * `user_joined` when a user's first connection enters it and `user_left` when their last one goes.
 */
@Injectable()
export class RoomPresence {
  private readonly rooms = new Map<string, RoomUsers>();

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
      users = { byUser: new Map(), counted: new Set() };
      this.rooms.set(room, users);
    }
    if (users.counted.has(session)) return this.presence.members(room);
    users.counted.add(session);
    const entry = users.byUser.get(session.user.id) ?? { user: session.user, connections: 0 };
    entry.connections++;
    users.byUser.set(session.user.id, entry);
    if (entry.connections > 1) return this.presence.members(room);
    const { first, members } = await this.presence.enterAndList(room, session.user);
    if (first) {
      await this.bus.publish('room', room, { type: 'user_joined', room, user: session.user });
    }
    return members;
  }

  /** Uncounts the session (if it was counted) and announces the user's last connection leaving. */
  async exit(room: string, session: ClientSession): Promise<void> {
    const users = this.rooms.get(room);
    if (!users?.counted.delete(session)) return;
    const entry = users.byUser.get(session.user.id);
    if (!entry || --entry.connections > 0) return;
    users.byUser.delete(session.user.id);
    if (users.counted.size === 0) this.rooms.delete(room);
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
      for (const { user } of [...users.byUser.values()]) {
        if (await this.presence.enter(room, user)) {
          await this.bus.publish('room', room, { type: 'user_joined', room, user });
        }
      }
    }
  }
}
