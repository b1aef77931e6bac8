import type { RoomStanding } from '@switchboard/persistence';
import { isDirectRoomId, RoomAccess } from '@switchboard/protocol';

/** Whether a user may use a room, and, when they may, whether joining it makes them a member. */
export type RoomVerdict =
  { allowed: true; access: RoomAccess; joinMakesMember: boolean } | { allowed: false };

/** Who asks the management API: another server (with the service key) or a user (with a token). */
export type RoomCaller = { kind: 'service' } | { kind: 'user'; userId: string };

export type ManagementAction = 'manage_members' | 'list_members';

const REFUSED: RoomVerdict = { allowed: false };

/**
 * Every rule of who may use a room, as pure decisions over the room's row and the user's membership:
 * the gateway, the history API and the management API all ask here.
 * - `open`: any authenticated user may join, read and send; joining makes them a member (their inbox).
 * - `private`: members only.
 * - `direct`: its two users only; joining makes them members again if they forgot it.
 * - A room without a row is open when rooms are open by default, else refused; a `dm:` id without a
 *   row is always refused (direct rooms exist only once their two users opened them).
 */
export class RoomAccessPolicy {
  constructor(private readonly roomsOpenByDefault: boolean) {}

  use(roomId: string, userId: string, { room, member }: RoomStanding): RoomVerdict {
    if (room === null) {
      if (isDirectRoomId(roomId) || !this.roomsOpenByDefault) return REFUSED;
      return { allowed: true, access: 'open', joinMakesMember: true };
    }
    switch (room.access) {
      case 'open':
        return { allowed: true, access: 'open', joinMakesMember: member === null };
      case 'private':
        return member === null
          ? REFUSED
          : { allowed: true, access: 'private', joinMakesMember: false };
      case 'direct':
        return room.directUsers?.includes(userId)
          ? { allowed: true, access: 'direct', joinMakesMember: member === null }
          : REFUSED;
    }
  }

  /**
   * Whether the caller may change (`manage_members`) or list the room's members. The service key may
   * do both on any room; a room's admin may do both with their own token; anyone who may use the room
   * may list its members.
   */
  manage(
    caller: RoomCaller,
    roomId: string,
    action: ManagementAction,
    standing: RoomStanding,
  ): boolean {
    if (caller.kind === 'service') return true;
    if (standing.member?.role === 'admin') return true;
    return action === 'list_members' && this.use(roomId, caller.userId, standing).allowed;
  }
}
