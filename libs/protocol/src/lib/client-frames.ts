import { z } from 'zod';
import { ErrorCode } from './errors';
import { PROTOCOL_LIMITS } from './limits';
import {
  HAS_CONTROL_CHARACTER,
  hasNoControlCharacter,
  isWellFormed,
  NOT_WELL_FORMED,
} from './unicode';
import { userId } from './users';

const room = z
  .string()
  .regex(PROTOCOL_LIMITS.roomPattern, `room must match ${PROTOCOL_LIMITS.roomPattern.source}`);
const seq = z.number().int().nonnegative();

// Newline and tab are text; every other C0 control character and DEL are refused.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROL_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F]/;

/** Message text: length is checked separately so that it gets its own `too_long` code. */
export const messageText = z
  .string()
  .refine((text) => !FORBIDDEN_CONTROL_CHARACTERS.test(text), {
    message: 'text must not contain control characters other than newline and tab',
  })
  .refine(isWellFormed, NOT_WELL_FORMED);

export const clientMsgId = z
  .string()
  .min(1)
  .max(PROTOCOL_LIMITS.maxClientMsgIdLength)
  .refine(isWellFormed, NOT_WELL_FORMED)
  .refine(hasNoControlCharacter, HAS_CONTROL_CHARACTER);

/** A watch join costs the server the same in a room of ten or of ten thousand: no presence work. */
export const joinFrame = z
  .strictObject({
    type: z.literal('join'),
    room,
    since: seq.optional(),
    watch: z
      .boolean()
      .optional()
      .describe(
        'true: receive and send without presence; the room is not told `user_joined`, and `members` in the reply is empty',
      ),
  })
  .meta({
    id: 'JoinFrame',
    description:
      'Joins a room: replied with `joined` (the last messages, or those after `since`, and the members unless `watch`).',
  });
/** `forget: true` also ends the user's membership: the room leaves their inbox, and a private one their reach. */
export const leaveFrame = z
  .strictObject({
    type: z.literal('leave'),
    room,
    forget: z.boolean().optional(),
  })
  .meta({
    id: 'LeaveFrame',
    description: 'Leaves a room: replied with `left`. `forget: true` also ends the membership.',
  });
/** Joins the direct room of the caller and `user`, made on first use. */
export const joinDirectFrame = z
  .strictObject({ type: z.literal('join_direct'), user: userId })
  .meta({
    id: 'JoinDirectFrame',
    description:
      'Joins the direct room of the caller and `user` (made on first use): replied with `joined`.',
  });
export const messageFrame = z
  .strictObject({
    type: z.literal('message'),
    room,
    text: messageText,
    clientMsgId: clientMsgId.optional(),
  })
  .meta({
    id: 'MessageFrame',
    description:
      'Sends a message to a joined room: replied with `ack` after the commit; resend with the same `clientMsgId` until acknowledged.',
  });
export const pingFrame = z.strictObject({ type: z.literal('ping') }).meta({
  id: 'PingFrame',
  description: 'Replied with `pong`.',
});
/** A stored message's id: a positive 64-bit integer, as a string. */
export const messageId = z.string().regex(/^[1-9][0-9]{0,18}$/, 'id must be a message id');
/** Replaces the text of one of the user's own messages. */
export const editFrame = z
  .strictObject({
    type: z.literal('edit'),
    room,
    id: messageId,
    text: messageText,
  })
  .meta({
    id: 'EditFrame',
    description: "Replaces the text of one of the user's own messages: replied with `change_ack`.",
  });
/** Deletes a message: the user's own, or any in a room they administer. */
export const deleteFrame = z.strictObject({ type: z.literal('delete'), room, id: messageId }).meta({
  id: 'DeleteFrame',
  description:
    "Deletes a message (the user's own, or any in a room they administer): replied with `change_ack`.",
});
/** The user is typing in the room: repeated while they type, at most every 2 s. */
export const typingFrame = z.strictObject({ type: z.literal('typing'), room }).meta({
  id: 'TypingFrame',
  description:
    'The user is typing in the room (at most every 2 s): replied with `typing` without `user`.',
});
/** The user stopped typing in the room without sending. */
export const typingStopFrame = z.strictObject({ type: z.literal('typing_stop'), room }).meta({
  id: 'TypingStopFrame',
  description:
    'The user stopped typing without sending: replied with `typing_stopped` without `user`.',
});
/** Asks whether these users are online; users who share no room with the caller are left out. */
export const presenceFrame = z
  .strictObject({
    type: z.literal('presence'),
    users: z.array(userId).max(PROTOCOL_LIMITS.maxPresenceUsers),
  })
  .meta({
    id: 'PresenceRequestFrame',
    description: 'Asks whether these users are online: replied with `presence`.',
  });
/** Marks everything in the room up to `seq` as read; a lower seq than the user's changes nothing. */
export const readFrame = z.strictObject({ type: z.literal('read'), room, seq }).meta({
  id: 'ReadFrame',
  description:
    'Marks the room read up to `seq` (never moves back): replied with `read` without `user`.',
});
/** Asks for every room the user is a member of, with unread counts. */
export const inboxFrame = z.strictObject({ type: z.literal('inbox') }).meta({
  id: 'InboxRequestFrame',
  description: 'Asks for every room the user is a member of: replied with `inbox`.',
});

export const clientFrame = z.discriminatedUnion('type', [
  joinFrame,
  leaveFrame,
  messageFrame,
  pingFrame,
  joinDirectFrame,
  editFrame,
  deleteFrame,
  typingFrame,
  typingStopFrame,
  presenceFrame,
  readFrame,
  inboxFrame,
]);

export type JoinFrame = z.infer<typeof joinFrame>;
export type LeaveFrame = z.infer<typeof leaveFrame>;
export type MessageFrame = z.infer<typeof messageFrame>;
export type PingFrame = z.infer<typeof pingFrame>;
export type JoinDirectFrame = z.infer<typeof joinDirectFrame>;
export type EditFrame = z.infer<typeof editFrame>;
export type DeleteFrame = z.infer<typeof deleteFrame>;
export type TypingFrame = z.infer<typeof typingFrame>;
export type TypingStopFrame = z.infer<typeof typingStopFrame>;
export type PresenceRequestFrame = z.infer<typeof presenceFrame>;
export type ReadFrame = z.infer<typeof readFrame>;
export type InboxRequestFrame = z.infer<typeof inboxFrame>;
/** Every frame a client may send. */
export type ClientFrame = z.infer<typeof clientFrame>;

export interface FrameRejection {
  code: ErrorCode;
  message: string;
}

export type ParsedClientFrame =
  { ok: true; frame: ClientFrame } | { ok: false; error: FrameRejection };

/** Every problem zod found, each with the field it is about: `room: must match …; text: …`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) =>
      issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    )
    .join('; ');
}

function checkTextLength(text: string): FrameRejection | null {
  if (text.length <= PROTOCOL_LIMITS.maxTextLength) return null;
  return {
    code: 'too_long',
    message: `text is ${text.length} characters; the limit is ${PROTOCOL_LIMITS.maxTextLength}`,
  };
}

/** Validates an already-decoded JSON value as a client frame. */
export function validateClientFrame(value: unknown): ParsedClientFrame {
  const result = clientFrame.safeParse(value);
  if (!result.success) {
    return { ok: false, error: { code: 'invalid_message', message: describeIssues(result.error) } };
  }
  const tooLong =
    result.data.type === 'message' || result.data.type === 'edit'
      ? checkTextLength(result.data.text)
      : null;
  return tooLong ? { ok: false, error: tooLong } : { ok: true, frame: result.data };
}

/** Decodes and validates one WebSocket text frame. Never throws. */
export function parseClientFrame(raw: string): ParsedClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, error: { code: 'invalid_json', message: 'frame is not valid JSON' } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      error: { code: 'invalid_message', message: 'frame must be a JSON object with a "type"' },
    };
  }
  return validateClientFrame(value);
}

/** The body of `POST /rooms/:room/messages`: the same rules as a `message` frame. */
export const sendMessageBody = z
  .strictObject({
    text: messageText,
    clientMsgId: clientMsgId.optional(),
  })
  .meta({ id: 'SendMessageBody' });
export type SendMessageBody = z.infer<typeof sendMessageBody>;

export function validateSendMessageBody(
  value: unknown,
): { ok: true; body: SendMessageBody } | { ok: false; error: FrameRejection } {
  const result = sendMessageBody.safeParse(value);
  if (!result.success) {
    return { ok: false, error: { code: 'invalid_message', message: describeIssues(result.error) } };
  }
  const tooLong = checkTextLength(result.data.text);
  return tooLong ? { ok: false, error: tooLong } : { ok: true, body: result.data };
}

/** The body of `PATCH /rooms/:room/messages/:id`: the same rules as an `edit` frame's text. */
export const editMessageBody = z
  .strictObject({ text: messageText })
  .meta({ id: 'EditMessageBody' });
export type EditMessageBody = z.infer<typeof editMessageBody>;

export function validateEditMessageBody(
  value: unknown,
): { ok: true; body: EditMessageBody } | { ok: false; error: FrameRejection } {
  const result = editMessageBody.safeParse(value);
  if (!result.success) {
    return { ok: false, error: { code: 'invalid_message', message: describeIssues(result.error) } };
  }
  const tooLong = checkTextLength(result.data.text);
  return tooLong ? { ok: false, error: tooLong } : { ok: true, body: result.data };
}

/** True when `value` is a valid room id. */
export function isValidRoom(value: string): boolean {
  return PROTOCOL_LIMITS.roomPattern.test(value);
}
