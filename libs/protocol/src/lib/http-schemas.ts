import { z } from 'zod';
import { ERROR_CODES } from './errors';
import { PROTOCOL_LIMITS } from './limits';
import type { ChatMessage, DeletedMessage, HistoryMessage, Notification, UserRef } from './models';
import type { MessageChangeFrame, MessageDeletedFrame, MessageEditedFrame } from './server-frames';
import type { HttpErrorBody, MessagePageResponse } from './http-bodies';
import { ROOM_ACCESS } from './rooms';
import type { InboxRoom } from './server-frames';

// Schemas of what the HTTP APIs answer, for their OpenAPI description. Each is typed against the
// interface it describes, so the two cannot drift apart.

export const userRefSchema: z.ZodType<UserRef> = z
  .object({ id: z.string(), name: z.string() })
  .meta({ id: 'UserRef' });

export const chatMessageSchema: z.ZodType<ChatMessage> = z
  .object({
    id: z.string().describe('64-bit integer as a string'),
    room: z.string().regex(PROTOCOL_LIMITS.roomPattern),
    seq: z.number().int().positive().describe('1, 2, 3… per room, no gaps'),
    user: userRefSchema,
    text: z.string(),
    ts: z.number().int().describe('commit time, milliseconds since the epoch'),
    clientMsgId: z.string().nullable(),
    editedAt: z.number().int().optional().describe('when the text was last edited'),
  })
  .meta({ id: 'ChatMessage' });

export const deletedMessageSchema: z.ZodType<DeletedMessage> = z
  .object({
    id: z.string(),
    room: z.string().regex(PROTOCOL_LIMITS.roomPattern),
    seq: z.number().int().positive(),
    user: userRefSchema,
    ts: z.number().int(),
    clientMsgId: z.string().nullable(),
    deleted: z.literal(true).describe('the message was deleted: it keeps its seq, not its text'),
  })
  .meta({ id: 'DeletedMessage' });

export const messageEditedSchema: z.ZodType<MessageEditedFrame> = z
  .object({
    type: z.literal('message_edited'),
    room: z.string(),
    id: z.string(),
    seq: z.number().int().positive().describe("the edit's own seq in the room"),
    text: z.string(),
    editedAt: z.number().int(),
  })
  .meta({ id: 'MessageEditedFrame' });

export const messageDeletedSchema: z.ZodType<MessageDeletedFrame> = z
  .object({
    type: z.literal('message_deleted'),
    room: z.string(),
    id: z.string(),
    seq: z.number().int().positive().describe("the delete's own seq in the room"),
  })
  .meta({ id: 'MessageDeletedFrame' });

export const messagePageSchema: z.ZodType<MessagePageResponse<HistoryMessage, MessageChangeFrame>> =
  z
    .object({
      messages: z
        .array(z.union([chatMessageSchema, deletedMessageSchema]))
        .describe('ascending seq, each in its current state'),
      events: z
        .array(z.union([messageEditedSchema, messageDeletedSchema]))
        .optional()
        .describe('with `after`: the edits and deletes in the same seq range, ascending seq'),
      hasMore: z
        .boolean()
        .describe('more messages lie beyond this page in the direction of the cursor'),
    })
    .meta({ id: 'MessagePage' });

export const notificationSchema: z.ZodType<Notification> = z
  .object({
    id: z.string().describe('grows with every notification of this user'),
    userId: z.string(),
    type: z.string(),
    title: z.string(),
    body: z.string(),
    data: z.unknown().describe('any JSON the publisher sent, or null'),
    ts: z.number().int(),
  })
  .meta({ id: 'Notification' });

export const notificationPageSchema = z
  .object({
    notifications: z.array(notificationSchema).describe('oldest first'),
    hasMore: z.boolean(),
  })
  .meta({ id: 'NotificationPage' });

export const publishNotificationsResponseSchema = z
  .object({
    ids: z.array(z.string()),
    notifications: z.array(z.object({ id: z.string(), userId: z.string() })),
  })
  .meta({ id: 'PublishNotificationsResponse' });

export const httpErrorSchema: z.ZodType<HttpErrorBody> = z
  .object({
    statusCode: z.number().int(),
    code: z.enum([
      ...ERROR_CODES,
      'bad_request',
      'too_large',
      'unsupported_media_type',
      'unavailable',
      'http_error',
    ]),
    message: z.string(),
    parameter: z.string().optional().describe('the query or path parameter that was wrong'),
    retryAfterMs: z.number().int().optional(),
  })
  .meta({ id: 'HttpError' });

/** `PUT /rooms/:room/read`: everything up to `seq` is read (monotonic; past the room's end is its end). */
export const markReadBody = z
  .strictObject({
    seq: z.number().int().nonnegative().describe('the last seq read'),
  })
  .meta({ id: 'MarkReadBody' });
export type MarkReadBody = z.infer<typeof markReadBody>;

/** The answer to `PUT /rooms/:room/read`: the caller's read position now. */
export interface ReadPosition {
  room: string;
  lastReadSeq: number;
}

export const readPositionSchema: z.ZodType<ReadPosition> = z
  .object({
    room: z.string(),
    lastReadSeq: z.number().int().nonnegative(),
  })
  .meta({ id: 'ReadPosition' });

export const inboxRoomSchema: z.ZodType<InboxRoom> = z
  .object({
    room: z.string(),
    access: z.enum(ROOM_ACCESS),
    title: z.string().optional().describe('only when the room has one'),
    direct: z
      .object({ user: userRefSchema })
      .optional()
      .describe('in a direct room: the other user'),
    unread: z.number().int().nonnegative().describe('messages after lastReadSeq by other users'),
    lastReadSeq: z.number().int().nonnegative(),
    lastMessage: chatMessageSchema.nullable().describe("the room's newest message"),
  })
  .meta({ id: 'InboxRoom' });

/** `GET /me/rooms`: the same as the WebSocket's `inbox` reply. */
export interface InboxResponse {
  rooms: InboxRoom[];
}

export const inboxResponseSchema: z.ZodType<InboxResponse> = z
  .object({
    rooms: z.array(inboxRoomSchema).describe('most recent activity first'),
  })
  .meta({ id: 'InboxResponse' });
