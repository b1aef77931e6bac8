import { z } from 'zod';
import { ERROR_CODES } from './errors';
import {
  chatMessageSchema,
  deletedMessageSchema,
  inboxRoomSchema,
  messageDeletedSchema,
  messageEditedSchema,
  userRefSchema,
} from './http-schemas';
import { PROTOCOL_LIMITS } from './limits';
import type {
  AckFrame,
  ChangeAckFrame,
  ErrorFrame,
  InboxFrame,
  JoinedFrame,
  LeftFrame,
  MessageDeliveryFrame,
  PongFrame,
  PresenceFrame,
  ReadReceiptFrame,
  ReadReplyFrame,
  ServerFrame,
  StatusFrame,
  TypingReplyFrame,
  TypingStartedFrame,
  TypingStoppedFrame,
  UnreadFrame,
  UserJoinedFrame,
  UserLeftFrame,
  UserPresence,
} from './server-frames';

// Schemas of every frame the gateway sends, for the AsyncAPI document and for tests that check what
// a real gateway sends. Each is typed against the interface it describes, so the two cannot drift.

const room = z.string().regex(PROTOCOL_LIMITS.roomPattern);
const seq = z.number().int().nonnegative();
const timestamp = z.number().int().describe('milliseconds since the epoch');

export const joinedFrameSchema: z.ZodType<JoinedFrame> = z
  .object({
    type: z.literal('joined'),
    room,
    messages: z
      .array(z.union([chatMessageSchema, deletedMessageSchema]))
      .describe('ascending seq, in their current state: the last 50, or those after `since`'),
    events: z
      .array(z.union([messageEditedSchema, messageDeletedSchema]))
      .optional()
      .describe('with `since`: the edits and deletes after it, ascending seq'),
    members: z.array(userRefSchema).describe('who is in the room; empty for a `watch` join'),
    more: z
      .literal(true)
      .optional()
      .describe('a `since` resume had more to send: join again with the last seq'),
    direct: z
      .object({ user: userRefSchema })
      .optional()
      .describe('in a direct room: the other user'),
    lastReadSeq: seq,
    unread: z.number().int().nonnegative(),
  })
  .meta({ id: 'JoinedFrame', description: 'The reply to `join` and `join_direct`.' });

export const leftFrameSchema: z.ZodType<LeftFrame> = z
  .object({
    type: z.literal('left'),
    room,
    reason: z
      .enum(['removed'])
      .optional()
      .describe('present when sent unasked: the user may no longer use the room'),
  })
  .meta({
    id: 'LeftFrame',
    description: 'The reply to `leave`, or, with a `reason`, the connection lost the room.',
  });

export const userJoinedFrameSchema: z.ZodType<UserJoinedFrame> = z
  .object({ type: z.literal('user_joined'), room, user: userRefSchema })
  .meta({ id: 'UserJoinedFrame', description: 'Another user joined the room.' });

export const userLeftFrameSchema: z.ZodType<UserLeftFrame> = z
  .object({ type: z.literal('user_left'), room, user: userRefSchema })
  .meta({ id: 'UserLeftFrame', description: 'Another user left the room.' });

export const ackFrameSchema: z.ZodType<AckFrame> = z
  .object({
    type: z.literal('ack'),
    clientMsgId: z.string().nullable(),
    id: z.string(),
    room,
    seq: z.number().int().positive(),
    ts: timestamp,
  })
  .meta({
    id: 'AckFrame',
    description:
      'The reply to `message`, after the commit (the original for a repeated clientMsgId).',
  });

export const messageDeliveryFrameSchema: z.ZodType<MessageDeliveryFrame> = z
  .object({
    type: z.literal('message'),
    id: z.string(),
    room,
    seq: z.number().int().positive().describe('1, 2, 3… per room: resume with `join` `since`'),
    user: userRefSchema,
    text: z.string(),
    ts: timestamp,
    clientMsgId: z.string().nullable(),
    editedAt: timestamp.optional(),
  })
  .meta({
    id: 'MessageDeliveryFrame',
    description: 'A message in a joined room, to every connection joined to it (the sender too).',
  });

export const pongFrameSchema: z.ZodType<PongFrame> = z
  .object({ type: z.literal('pong'), ts: timestamp })
  .meta({ id: 'PongFrame', description: 'The reply to `ping`.' });

export const errorFrameSchema: z.ZodType<ErrorFrame> = z
  .object({
    type: z.literal('error'),
    code: z.enum(ERROR_CODES),
    message: z.string(),
    retryAfterMs: z.number().int().optional().describe('with `rate_limited`'),
  })
  .meta({
    id: 'ErrorFrame',
    description:
      'A refused frame (the reply instead of the usual one), or a failure of the server.',
  });

export const readReceiptFrameSchema: z.ZodType<ReadReceiptFrame> = z
  .object({ type: z.literal('read'), room, user: userRefSchema, seq })
  .meta({
    id: 'ReadReceiptFrame',
    description: "A user's read position moved: to every connection joined to the room.",
  });

export const readReplyFrameSchema: z.ZodType<ReadReplyFrame> = z
  .object({ type: z.literal('read'), room, seq })
  .meta({
    id: 'ReadReplyFrame',
    description: "The reply to `read`: the caller's position now (no `user`, unlike a receipt).",
  });

export const inboxFrameSchema: z.ZodType<InboxFrame> = z
  .object({
    type: z.literal('inbox'),
    rooms: z.array(inboxRoomSchema).describe('most recent activity first'),
  })
  .meta({ id: 'InboxFrame', description: 'The reply to `inbox`.' });

export const typingStartedFrameSchema: z.ZodType<TypingStartedFrame> = z
  .object({ type: z.literal('typing'), room, user: userRefSchema })
  .meta({ id: 'TypingStartedFrame', description: 'A user started typing in the room.' });

export const typingStoppedFrameSchema: z.ZodType<TypingStoppedFrame> = z
  .object({ type: z.literal('typing_stopped'), room, user: userRefSchema })
  .meta({
    id: 'TypingStoppedFrame',
    description: 'The typing user sent, stopped, left, went away or fell silent.',
  });

export const typingReplyFrameSchema: z.ZodType<TypingReplyFrame> = z
  .object({ type: z.enum(['typing', 'typing_stopped']), room })
  .meta({
    id: 'TypingReplyFrame',
    description: 'The reply to `typing` and `typing_stop` (no `user`, unlike the broadcasts).',
  });

export const changeAckFrameSchema: z.ZodType<ChangeAckFrame> = z
  .object({
    type: z.literal('change_ack'),
    action: z.enum(['edit', 'delete']),
    room,
    id: z.string(),
    seq: z.number().int().positive().describe("the event's seq (a repeated delete: the first's)"),
  })
  .meta({
    id: 'ChangeAckFrame',
    description: 'The reply to `edit` and `delete`, after the commit.',
  });

const userPresenceSchema: z.ZodType<UserPresence> = z
  .object({ id: z.string(), online: z.boolean(), lastSeen: timestamp.nullable() })
  .meta({ id: 'UserPresence' });

export const presenceFrameSchema: z.ZodType<PresenceFrame> = z
  .object({
    type: z.literal('presence'),
    users: z.array(userPresenceSchema).describe('the asked users who share a room with the caller'),
  })
  .meta({ id: 'PresenceFrame', description: 'The reply to `presence`.' });

export const statusFrameSchema: z.ZodType<StatusFrame> = z
  .object({
    type: z.literal('status'),
    user: userRefSchema,
    online: z.boolean(),
    lastSeen: timestamp.nullable(),
  })
  .meta({
    id: 'StatusFrame',
    description: 'A direct-room partner came online or went offline.',
  });

export const unreadFrameSchema: z.ZodType<UnreadFrame> = z
  .object({
    type: z.literal('unread'),
    room,
    unread: z.number().int().nonnegative(),
    lastMessage: chatMessageSchema,
  })
  .meta({
    id: 'UnreadFrame',
    description:
      'A message arrived in a private or direct room the user belongs to but has not joined here.',
  });

/** Every frame the gateway sends, by its component name. */
export const SERVER_FRAME_SCHEMAS = [
  joinedFrameSchema,
  leftFrameSchema,
  userJoinedFrameSchema,
  userLeftFrameSchema,
  ackFrameSchema,
  messageDeliveryFrameSchema,
  pongFrameSchema,
  errorFrameSchema,
  readReceiptFrameSchema,
  readReplyFrameSchema,
  inboxFrameSchema,
  typingStartedFrameSchema,
  typingStoppedFrameSchema,
  typingReplyFrameSchema,
  messageEditedSchema,
  messageDeletedSchema,
  changeAckFrameSchema,
  presenceFrameSchema,
  statusFrameSchema,
  unreadFrameSchema,
] as const;

/** Any frame the gateway sends. */
export const serverFrameSchema: z.ZodType<ServerFrame> = z.union(SERVER_FRAME_SCHEMAS);

type Described = z.infer<(typeof SERVER_FRAME_SCHEMAS)[number]>;
/** Fails to compile when a member of `ServerFrame` has no schema above. */
const everyServerFrameHasASchema: [Exclude<ServerFrame, Described>] extends [never] ? true : false =
  true;
void everyServerFrameHasASchema;
