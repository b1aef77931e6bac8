import { ErrorCode } from './errors';
import { ChatMessage, HistoryMessage, UserRef } from './models';
import { RoomAccess } from './rooms';

export interface JoinedFrame {
  type: 'joined';
  room: string;
  /** In their current state (edited text, deleted ones as `deleted: true`). */
  messages: HistoryMessage[];
  /** With `since`: the edits and deletes after it, ascending seq; merged with `messages` by seq. */
  events?: MessageChangeFrame[];
  /** Who is in the room; empty for a `watch` join, which is spared the O(members) list. */
  members: UserRef[];
  /** Present and true when a `since` resume had more than the limit to send: join again with the last seq. */
  more?: true;
  /** In a direct room: the other user. */
  direct?: { user: UserRef };
  /** Everything up to this seq has been read by the user. */
  lastReadSeq: number;
  /** Messages after `lastReadSeq` that other users sent. */
  unread: number;
}
/**
 * The reply to `leave`, or, with a `reason`, sent unasked when the connection lost the room:
 * `removed` when the user is no longer allowed in it (removed from its members, or it became private).
 */
export interface LeftFrame {
  type: 'left';
  room: string;
  reason?: LeftReason;
}
export type LeftReason = 'removed';
export interface UserJoinedFrame {
  type: 'user_joined';
  room: string;
  user: UserRef;
}
export interface UserLeftFrame {
  type: 'user_left';
  room: string;
  user: UserRef;
}
export interface AckFrame {
  type: 'ack';
  clientMsgId: string | null;
  id: string;
  room: string;
  seq: number;
  ts: number;
}
export interface MessageDeliveryFrame extends ChatMessage {
  type: 'message';
}
export interface PongFrame {
  type: 'pong';
  ts: number;
}
export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** With `rate_limited`: how long until the next message is accepted. */
  retryAfterMs?: number;
}

/** A user's read position moved: sent to every connection joined to the room, the reader's too. */
export interface ReadReceiptFrame {
  type: 'read';
  room: string;
  user: UserRef;
  seq: number;
}
/** The reply to `read`: the caller's read position now (no `user`, unlike a receipt). */
export interface ReadReplyFrame {
  type: 'read';
  room: string;
  seq: number;
}
/** A room in a user's inbox. */
export interface InboxRoom {
  room: string;
  access: RoomAccess;
  /** Only when the room has one. */
  title?: string;
  /** In a direct room: the other user. */
  direct?: { user: UserRef };
  /** Messages after `lastReadSeq` that other users sent. */
  unread: number;
  lastReadSeq: number;
  /** The room's newest message; null before the first. */
  lastMessage: ChatMessage | null;
}
/** The reply to `inbox`: every room the user is a member of, most recent activity first. */
export interface InboxFrame {
  type: 'inbox';
  rooms: InboxRoom[];
}

/**
 * A user started typing in the room: sent once to the room's other users' connections, on every
 * instance, and again when a user joins the room (for the joiner; the others may ignore the repeat).
 */
export interface TypingStartedFrame {
  type: 'typing';
  room: string;
  user: UserRef;
}
/** The typing user sent, stopped, left, went away or was silent for `TYPING_TIMEOUT_MS`. */
export interface TypingStoppedFrame {
  type: 'typing_stopped';
  room: string;
  user: UserRef;
}
/** The reply to `typing` (`type: 'typing'`) and to `typing_stop` (`type: 'typing_stopped'`): no `user`, unlike the broadcasts. */
export interface TypingReplyFrame {
  type: 'typing' | 'typing_stopped';
  room: string;
}

/** A message's text was changed by its author: an event with its own seq in the room. */
export interface MessageEditedFrame {
  type: 'message_edited';
  room: string;
  id: string;
  seq: number;
  text: string;
  editedAt: number;
}
/** A message was deleted (by its author or a room admin): an event with its own seq in the room. */
export interface MessageDeletedFrame {
  type: 'message_deleted';
  room: string;
  id: string;
  seq: number;
}
/** An edit or a delete, as broadcast and as listed in history after a cursor. */
export type MessageChangeFrame = MessageEditedFrame | MessageDeletedFrame;
/** Every live frame that takes one of the room's seqs: clients resume from the last one they received. */
export type SequencedFrame = MessageDeliveryFrame | MessageChangeFrame;
/**
 * The reply to `edit` and `delete`: `seq` is the event's (for a repeated delete, the first delete's).
 * The event itself also arrives as `message_edited` / `message_deleted`, like to every member.
 */
export interface ChangeAckFrame {
  type: 'change_ack';
  action: 'edit' | 'delete';
  room: string;
  id: string;
  seq: number;
}

/** A user's online status; `lastSeen` is when they last went offline (null while online, or never seen). */
export interface UserPresence {
  id: string;
  online: boolean;
  lastSeen: number | null;
}
/** The reply to `presence`: the asked users who share a room with the caller, in the asked order. */
export interface PresenceFrame {
  type: 'presence';
  users: UserPresence[];
}
/** A direct-room partner came online (their first connection) or went offline (their last one closed). */
export interface StatusFrame {
  type: 'status';
  user: UserRef;
  online: boolean;
  lastSeen: number | null;
}
/**
 * A message arrived in a private or direct room the user is a member of, is connected, but has not
 * joined: their unread count there now, for badges (sent to each of their connections).
 */
export interface UnreadFrame {
  type: 'unread';
  room: string;
  unread: number;
  lastMessage: ChatMessage;
}

/** Frames broadcast to every member of a room, on every instance. */
export type RoomEventFrame =
  | MessageDeliveryFrame
  | UserJoinedFrame
  | UserLeftFrame
  | ReadReceiptFrame
  | MessageEditedFrame
  | MessageDeletedFrame
  | TypingStartedFrame
  | TypingStoppedFrame;

/** Every frame the server may send. */
export type ServerFrame =
  | JoinedFrame
  | LeftFrame
  | AckFrame
  | PongFrame
  | ErrorFrame
  | RoomEventFrame
  | ChangeAckFrame
  | ReadReplyFrame
  | TypingReplyFrame
  | PresenceFrame
  | StatusFrame
  | UnreadFrame
  | InboxFrame;
