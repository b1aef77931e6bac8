import { DIRECT_ROOM_PREFIX } from '@switchboard/protocol';
import { createHash } from 'node:crypto';

export interface DirectRoom {
  room: string;
  /** The two users, the smaller id first. */
  users: readonly [string, string];
}

/**
 * The direct room of two users: the same id whoever asks, for ever. `dm:` and the SHA-256 of the
 * ordered pair in base64url (46 characters, within the room id pattern); JSON keeps any two ids apart.
 */
export function directRoomOf(one: string, other: string): DirectRoom {
  const users: [string, string] = one < other ? [one, other] : [other, one];
  const digest = createHash('sha256').update(JSON.stringify(users)).digest('base64url');
  return { room: `${DIRECT_ROOM_PREFIX}${digest}`, users };
}
