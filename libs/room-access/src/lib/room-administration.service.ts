import { Injectable } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { MemberRecord, RoomRecord, RoomStanding, RoomStore } from '@switchboard/persistence';
import { isDirectRoomId, PutRoomBody, RoomInfo, RoomMember, RoomRole } from '@switchboard/protocol';
import { RoomAccessError, roomForbidden } from './room-access-error';
import { ManagementAction, RoomCaller } from './room-access-policy';
import { RoomAccessService } from './room-access.service';

function toRoomInfo(room: RoomRecord): RoomInfo {
  return { room: room.room, access: room.access, title: room.title, createdAt: room.createdAt };
}

function toRoomMember(member: MemberRecord): RoomMember {
  return { id: member.userId, role: member.role, lastReadSeq: member.lastReadSeq };
}

function directRoomRefusal(room: string): RoomAccessError {
  return new RoomAccessError(
    'direct_room',
    `${room}: ids beginning with dm: are direct rooms, whose access and members never change`,
  );
}

/**
 * Rooms and their members as the management API changes them: creating and updating rooms, adding,
 * changing and removing members. A change that takes a room from someone is announced on the bus,
 * so every gateway evicts their connections; it is announced on every call (the changes are
 * idempotent), so a retry after a failed publish still evicts.
 */
@Injectable()
export class RoomAdministration {
  constructor(
    private readonly rooms: RoomStore,
    private readonly access: RoomAccessService,
    private readonly bus: MessageBus,
  ) {}

  /** Creates or updates an open or private room (service key only); a private room's non-members lose it. */
  async putRoom(room: string, body: PutRoomBody): Promise<{ room: RoomInfo; created: boolean }> {
    if (isDirectRoomId(room)) throw directRoomRefusal(room);
    const result = await this.rooms.putRoom(room, body.access, body.title);
    if (!result) throw directRoomRefusal(room);
    // Every put is announced: gateways re-check a room made private, and what remembers a room's
    // access (away delivery) forgets it, a room just created included.
    await this.bus.publish('room-access', '', { type: 'access_changed', room });
    return { room: toRoomInfo(result.room), created: result.created };
  }

  /**
   * Refuses a caller who may not do `action` on the room: `forbidden` for a user (whether or not the
   * room exists), `not_found` for the service key on a room that does not exist.
   */
  async authorize(caller: RoomCaller, room: string, action: ManagementAction): Promise<void> {
    if (action === 'manage_members' && isDirectRoomId(room)) throw directRoomRefusal(room);
    const standing: RoomStanding =
      caller.kind === 'user'
        ? await this.rooms.standing(room, caller.userId)
        : { room: await this.rooms.find(room), member: null };
    if (!this.access.policy.manage(caller, room, action, standing)) throw roomForbidden(room);
    if (caller.kind === 'service' && standing.room === null) {
      throw new RoomAccessError('not_found', `room ${room} does not exist`);
    }
  }

  /** Adds a member or changes their role. */
  async putMember(
    room: string,
    userId: string,
    role: RoomRole,
  ): Promise<{ member: RoomMember; created: boolean }> {
    const result = await this.rooms.putMember(room, userId, role);
    if (!result) throw new RoomAccessError('not_found', `room ${room} does not exist`);
    return { member: toRoomMember(result.member), created: result.created };
  }

  /** Ends a membership (a no-op for a non-member); every connection of the user loses the room. */
  async removeMember(room: string, userId: string): Promise<void> {
    await this.rooms.removeMember(room, userId);
    await this.bus.publish('room-access', '', { type: 'member_removed', room, userId });
  }

  async members(room: string): Promise<RoomMember[]> {
    return (await this.rooms.members(room)).map(toRoomMember);
  }
}
