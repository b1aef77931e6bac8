import { UserRef } from '@switchboard/protocol';

/** An instance missing this many heartbeats in a row is taken for dead and its holdings released. */
export const PRESENCE_STALE_FACTOR = 3;

/**
 * The presence "room" of every open connection: a user held there by any instance is online, and a
 * dead instance's users are released from it like from any room. No real room has this id.
 */
export const ONLINE = '*online';

/** Whether a user is online, and when they last went offline (null while online, or never seen). */
export interface UserStatusRecord {
  id: string;
  online: boolean;
  lastSeen: number | null;
}

/** A user no instance holds in a room any more, found by `reap`. */
export interface DepartedUser {
  room: string;
  user: UserRef;
}

/** A user's entry into a room: whether no instance held them there before, and who is there now. */
export interface RoomEntrance {
  first: boolean;
  /** Every user in the room on any instance, the one who entered included. */
  members: UserRef[];
}

/** What `reap` released: users now gone from rooms, and users who were typing on a dead instance. */
export interface ReapedHoldings {
  departed: DepartedUser[];
  typists: DepartedUser[];
}

/**
 * Who is in which room, across every gateway instance. Each instance reports a user once per room
 * (when its first local connection of that user joins, and when its last one leaves), so the store
 * counts instances holding the user, not sockets. Instances heartbeat; what a dead one held is
 * released by `reap` on the others, so a crash leaves no one online for ever. Each instance also
 * records who is typing on it, so that the others can announce a dead instance's typists stopped.
 */
export abstract class PresenceStore {
  /** Returns true when the user was not in the room on any instance before. */
  abstract enter(room: string, user: UserRef): Promise<boolean>;
  /** `enter`, and the room's members once entered, in one round trip (what a join replies with). */
  abstract enterAndList(room: string, user: UserRef): Promise<RoomEntrance>;
  /** Returns true when the user is now in the room on no instance. */
  abstract exit(room: string, userId: string): Promise<boolean>;
  abstract members(room: string): Promise<UserRef[]>;
  /** Marks this instance alive. True when the others had taken it for dead: it must enter again what it holds. */
  abstract heartbeat(): Promise<boolean>;
  /** Records that the user is typing in the room on this instance (repeats are harmless). */
  abstract startTyping(room: string, user: UserRef): Promise<void>;
  abstract stopTyping(room: string, userId: string): Promise<void>;
  /** Remembers when a user went offline. */
  abstract recordLastSeen(userId: string, atMs: number): Promise<void>;
  /** Online (held in `ONLINE` by some instance) and last seen, for each of the users, in their order. */
  abstract statusOf(userIds: string[]): Promise<UserStatusRecord[]>;
  /** Releases what instances that stopped heartbeating held; returns who is now gone and who was typing there. */
  abstract reap(): Promise<ReapedHoldings>;
}

/** Presence for single-process mode. */
export class InMemoryPresenceStore extends PresenceStore {
  private readonly rooms = new Map<string, Map<string, { name: string; holders: number }>>();
  private readonly lastSeen = new Map<string, number>();

  async enter(room: string, user: UserRef): Promise<boolean> {
    let members = this.rooms.get(room);
    if (!members) {
      members = new Map<string, { name: string; holders: number }>();
      this.rooms.set(room, members);
    }
    const entry = members.get(user.id);
    members.set(user.id, { name: user.name, holders: (entry?.holders ?? 0) + 1 });
    return entry === undefined;
  }

  async enterAndList(room: string, user: UserRef): Promise<RoomEntrance> {
    const first = await this.enter(room, user);
    return { first, members: await this.members(room) };
  }

  async exit(room: string, userId: string): Promise<boolean> {
    const members = this.rooms.get(room);
    const entry = members?.get(userId);
    if (!members || !entry) return false;
    if (entry.holders > 1) {
      entry.holders -= 1;
      return false;
    }
    members.delete(userId);
    if (members.size === 0) this.rooms.delete(room);
    return true;
  }

  async members(room: string): Promise<UserRef[]> {
    return [...(this.rooms.get(room) ?? [])].map(([id, { name }]) => ({ id, name }));
  }

  /** One process: it cannot outlive itself, so there is nothing to keep alive or reap. */
  heartbeat(): Promise<boolean> {
    return Promise.resolve(false);
  }

  async recordLastSeen(userId: string, atMs: number): Promise<void> {
    this.lastSeen.set(userId, atMs);
  }

  async statusOf(userIds: string[]): Promise<UserStatusRecord[]> {
    const online = this.rooms.get(ONLINE);
    return userIds.map((id) =>
      online?.has(id)
        ? { id, online: true, lastSeen: null }
        : { id, online: false, lastSeen: this.lastSeen.get(id) ?? null },
    );
  }

  /** Only a dead instance's typists need recording, and one process cannot outlive itself. */
  startTyping(): Promise<void> {
    return Promise.resolve();
  }

  stopTyping(): Promise<void> {
    return Promise.resolve();
  }

  reap(): Promise<ReapedHoldings> {
    return Promise.resolve({ departed: [], typists: [] });
  }
}
