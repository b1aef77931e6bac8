import { Injectable } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { SwitchboardConfig } from '@switchboard/config';
import { ReadPositionRecord, RoomStanding, RoomStore } from '@switchboard/persistence';
import { RoomAccess, UserRef } from '@switchboard/protocol';
import { directRoomOf } from './direct-room';
import { RoomAccessError, roomForbidden } from './room-access-error';
import { RoomAccessPolicy } from './room-access-policy';
import { UserDirectory } from './user-directory';

/** A room a user may use, as a join needs it. */
export interface RoomEntry {
  access: RoomAccess;
  /** In a direct room: the other user. */
  partner?: UserRef;
  /** The user's read position in the room as the check read it (for the `joined` reply). */
  position?: ReadPositionRecord;
}

/**
 * A user's own use of rooms, on the WebSocket and over HTTP: entering (a join), checking a read or a
 * send, forgetting a room, opening a direct room. Every decision is the policy's; this reads the
 * room's row and the user's membership (one round trip) and records what a decision implies.
 */
@Injectable()
export class RoomAccessService {
  readonly policy: RoomAccessPolicy;

  constructor(
    private readonly rooms: RoomStore,
    private readonly users: UserDirectory,
    private readonly bus: MessageBus,
    config: SwitchboardConfig,
  ) {
    this.policy = new RoomAccessPolicy(config.roomsOpenByDefault);
  }

  /**
   * For a join: refuses with `forbidden`, or makes the user a member where joining does so. The
   * user's read position comes from the same round trip as the check.
   */
  async enter(userId: string, room: string): Promise<RoomEntry> {
    const { standing, position } = await this.rooms.joinStanding(room, userId);
    const access = await this.admit(userId, room, standing);
    const pair = standing.room?.directUsers;
    if (!pair) return { access, position };
    return {
      access,
      partner: await this.users.find(pair[0] === userId ? pair[1] : pair[0]),
      position,
    };
  }

  /** For a read receipt: refuses with `forbidden`, or makes the user a member where joining does so. */
  async enterToRead(userId: string, room: string): Promise<void> {
    await this.admit(userId, room, await this.rooms.standing(room, userId));
  }

  private async admit(userId: string, room: string, standing: RoomStanding): Promise<RoomAccess> {
    const verdict = this.policy.use(room, userId, standing);
    if (!verdict.allowed) throw roomForbidden(room);
    if (verdict.joinMakesMember) await this.rooms.recordMember(room, userId);
    return verdict.access;
  }

  /** For a read or a send over HTTP: refuses with `forbidden`, records nothing. */
  async authorize(userId: string, room: string): Promise<void> {
    this.authorizeStanding(userId, room, await this.rooms.standing(room, userId));
  }

  /** `authorize` with a standing read beside what it guards (`MessageStore.readerPage`). */
  authorizeStanding(userId: string, room: string, standing: RoomStanding): void {
    if (!this.policy.use(room, userId, standing).allowed) throw roomForbidden(room);
  }

  /**
   * Ends the user's membership. Where that also ends their access (a private room), every connection
   * of theirs loses the room; the announcement is made on every call, so a retry after a failed
   * publish still reaches them.
   */
  async forget(userId: string, room: string): Promise<void> {
    await this.rooms.removeMember(room, userId);
    const standing = await this.rooms.standing(room, userId);
    if (standing.room !== null && !this.policy.use(room, userId, standing).allowed) {
      await this.bus.publish('room-access', '', { type: 'member_removed', room, userId });
    }
  }

  /** The direct room of `user` and `partnerId`, made with both memberships on first use. */
  async openDirect(
    user: UserRef,
    partnerId: string,
  ): Promise<{ room: string; partner: UserRef; created: boolean }> {
    if (partnerId === user.id) {
      throw new RoomAccessError('direct_with_self', 'a direct room needs another user');
    }
    const { room, users } = directRoomOf(user.id, partnerId);
    const created = await this.rooms.openDirect(room, users);
    return { room, partner: await this.users.find(partnerId), created };
  }

  /** Which of `userIds` may no longer use the room (after its access changed). */
  async refusedAmong(room: string, userIds: readonly string[]): Promise<string[]> {
    const { room: record, members } = await this.rooms.standings(room, userIds);
    return userIds.filter(
      (userId) =>
        !this.policy.use(room, userId, { room: record, member: members.get(userId) ?? null })
          .allowed,
    );
  }
}
