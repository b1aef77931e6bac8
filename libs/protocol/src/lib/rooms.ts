import { z } from 'zod';
import {
  hasNoControlCharacter,
  HAS_CONTROL_CHARACTER,
  isWellFormed,
  NOT_WELL_FORMED,
} from './unicode';

/** Who may use a room: anyone authenticated, its members, or its two users. */
export const ROOM_ACCESS = ['open', 'private', 'direct'] as const;
export type RoomAccess = (typeof ROOM_ACCESS)[number];

/** A member's role: an `admin` may add, change and remove the room's members with their own token. */
export const ROOM_ROLES = ['member', 'admin'] as const;
export type RoomRole = (typeof ROOM_ROLES)[number];

/** Direct rooms' ids begin with this; no other room may be created under it. */
export const DIRECT_ROOM_PREFIX = 'dm:';

export function isDirectRoomId(room: string): boolean {
  return room.startsWith(DIRECT_ROOM_PREFIX);
}

export const roomTitle = z
  .string()
  .min(1)
  .max(200)
  .refine(isWellFormed, NOT_WELL_FORMED)
  .refine(hasNoControlCharacter, HAS_CONTROL_CHARACTER);

/** `PUT /rooms/:room`: a title left out keeps the room's current one, `null` removes it. */
export const putRoomBody = z
  .strictObject({
    access: z.enum(['open', 'private']),
    title: roomTitle.nullable().optional(),
  })
  .meta({ id: 'PutRoomBody' });
export type PutRoomBody = z.infer<typeof putRoomBody>;

/** `PUT /rooms/:room/members/:userId`. */
export const putRoomMemberBody = z
  .strictObject({
    role: z.enum(ROOM_ROLES).default('member'),
  })
  .meta({ id: 'PutRoomMemberBody' });
export type PutRoomMemberBody = z.infer<typeof putRoomMemberBody>;

/** A room as the management API answers it. */
export interface RoomInfo {
  room: string;
  access: RoomAccess;
  title: string | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

export interface RoomMember {
  id: string;
  role: RoomRole;
  /** Everything in the room up to this seq has been read by the member. */
  lastReadSeq: number;
}

export interface RoomMembersResponse {
  members: RoomMember[];
}

export interface DirectRoomResponse {
  room: string;
}

export const roomInfoSchema: z.ZodType<RoomInfo> = z
  .object({
    room: z.string(),
    access: z.enum(ROOM_ACCESS),
    title: z.string().nullable(),
    createdAt: z.number().int().describe('milliseconds since the epoch'),
  })
  .meta({ id: 'RoomInfo' });

export const roomMemberSchema: z.ZodType<RoomMember> = z
  .object({
    id: z.string(),
    role: z.enum(ROOM_ROLES),
    lastReadSeq: z.number().int().nonnegative(),
  })
  .meta({ id: 'RoomMember' });

export const roomMembersResponseSchema: z.ZodType<RoomMembersResponse> = z
  .object({
    members: z.array(roomMemberSchema).describe('admins first, then by user id'),
  })
  .meta({ id: 'RoomMembersResponse' });

export const directRoomResponseSchema: z.ZodType<DirectRoomResponse> = z
  .object({
    room: z.string().describe('the same id for both users, for ever'),
  })
  .meta({ id: 'DirectRoomResponse' });
