import { ErrorCode, PROTOCOL_LIMITS } from '@switchboard/protocol';
import type { ReplyFrame } from './fuzz-connection';
import { HostileFrame, StoredRef } from './hostile-frames';

/** A reply as the oracle names it: its type, or `error:<code>`. */
export type ReplyName =
  | 'joined'
  | 'left'
  | 'ack'
  | 'pong'
  | 'change_ack'
  | 'read'
  | 'inbox'
  | 'typing'
  | 'typing_stopped'
  | 'presence'
  | `error:${ErrorCode}`;

/** A message the gateway may store: what must then be stored, byte for byte. */
export interface SentMessage {
  room: string;
  text: string;
  clientMsgId: string | null;
}

/** An edit or delete the gateway may store: what a `change_ack` for it promises. */
export interface SentChange {
  action: 'edit' | 'delete';
  room: string;
  id: string;
  /** The new text of an edit. */
  text?: string;
}

export interface ReplyPlan {
  /** The replies the README allows for this frame, in this connection's state. */
  accepts: readonly ReplyName[];
  /**
   * What the frame carries when it has a message's shape (valid or not): if the gateway acknowledges
   * it, this is what must be stored.
   */
  message?: SentMessage;
  /** What an `edit` or `delete` of a valid shape asks: if acknowledged, this is what must be stored. */
  change?: SentChange;
  /** What the reply must say besides its type (its room, its users…): a problem, or undefined. */
  check?: (reply: ReplyFrame) => string | undefined;
  /** What the reply tells the oracle for the frames after it (a message's id, a delete's seq). */
  learn?: (reply: ReplyFrame) => void;
}

/** A message of another user, stored by a connection already closed. */
export interface OthersMessage {
  room: string;
  deleted: boolean;
}

// The fields each frame type has (README, "Frames"); every other field is refused.
const ALLOWED_FIELDS: Record<string, readonly string[]> = {
  join: ['type', 'room', 'since', 'watch'],
  leave: ['type', 'room', 'forget'],
  message: ['type', 'room', 'text', 'clientMsgId'],
  ping: ['type'],
  join_direct: ['type', 'user'],
  edit: ['type', 'room', 'id', 'text'],
  delete: ['type', 'room', 'id'],
  typing: ['type', 'room'],
  typing_stop: ['type', 'room'],
  presence: ['type', 'users'],
  read: ['type', 'room', 'seq'],
  inbox: ['type'],
};

// C0 controls other than newline and tab, and DEL (README: "every other control character is refused").
// eslint-disable-next-line no-control-regex
const REFUSED_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
// README: a clientMsgId has no control characters at all, newline and tab included.
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;
// With the `u` flag a surrogate pair is one code point, so only a lone surrogate matches.
const LONE_SURROGATE = /\p{Surrogate}/u;
/** README: a message `id` is a string of digits (a 64-bit integer); ids count up from 1. */
const DIGITS = /^[0-9]+$/;
const MAX_BIGINT = 2n ** 63n - 1n;
/** Ids this high name no message of a test run (ids count up from 1). */
const NO_MESSAGE_ID_FROM = 9n * 10n ** 18n;

const INVALID: ReplyPlan = { accepts: ['error:invalid_message'] };
const RATE_LIMITED = 'error:rate_limited';

/**
 * The README's protocol, written independently of the gateway's parser: which reply each frame
 * must get, given what this connection did so far (rooms joined, memberships, its own messages).
 * One oracle per connection, whose user is new: every membership it has, this connection made.
 */
export class ReplyOracle {
  private readonly joined = new Set<string>();
  /** Open rooms the user is a member of (joined or read, not forgotten). */
  private readonly memberOf = new Set<string>();
  /** Users whose direct room with this user exists (made by join_direct). */
  private readonly partners = new Set<string>();
  /** This user's acknowledged messages, by id, with the seq of their delete once deleted. */
  private readonly own = new Map<string, { room: string; deleteSeq: number | null }>();
  private readonly ownInOrder: StoredRef[] = [];
  /** The read position each `read` reply gave, by room. */
  private readonly readAt = new Map<string, number>();

  constructor(
    private readonly self: string,
    private readonly others: ReadonlyMap<string, OthersMessage>,
  ) {}

  /** This connection's acknowledged messages so far, in ack order. */
  get ownMessages(): readonly StoredRef[] {
    return this.ownInOrder;
  }

  plan(frame: HostileFrame): ReplyPlan {
    switch (frame.kind) {
      case 'binary':
        return INVALID;
      case 'text':
      case 'fragmented': {
        // What the gateway decodes: a lone surrogate written raw (not escaped) goes out as U+FFFD.
        let value: unknown;
        try {
          value = JSON.parse(Buffer.from(frame.text, 'utf8').toString('utf8'));
        } catch {
          return { accepts: ['error:invalid_json'] };
        }
        const message = messageOf(value);
        return message ? { ...this.planValue(value), message } : this.planValue(value);
      }
    }
  }

  private planValue(value: unknown): ReplyPlan {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return INVALID;
    const frame = value as Record<string, unknown>;
    const type = Object.hasOwn(frame, 'type') ? frame.type : undefined;
    if (typeof type !== 'string' || !Object.hasOwn(ALLOWED_FIELDS, type)) return INVALID;
    if (Object.keys(frame).some((key) => !ALLOWED_FIELDS[type].includes(key))) return INVALID;
    switch (type) {
      case 'ping':
        return { accepts: ['pong'] };
      case 'inbox':
        return this.planInbox();
      case 'presence':
        return this.planPresence(frame.users);
      case 'join_direct':
        return this.planJoinDirect(frame.user);
    }
    const room = frame.room;
    if (typeof room !== 'string' || !PROTOCOL_LIMITS.roomPattern.test(room)) return INVALID;
    switch (type) {
      case 'join':
        return this.planJoin(frame, room);
      case 'leave': {
        if (Object.hasOwn(frame, 'forget') && typeof frame.forget !== 'boolean') return INVALID;
        this.joined.delete(room);
        if (frame.forget === true) this.memberOf.delete(room);
        return { accepts: ['left'], check: sameRoom(room) };
      }
      case 'typing_stop':
        // README: never refused, like leave.
        return { accepts: ['typing_stopped'], check: sameRoom(room) };
      case 'typing':
        // Typing has its own limit per connection: rate_limited may answer any typing frame.
        if (this.joined.has(room))
          return { accepts: ['typing', RATE_LIMITED], check: sameRoom(room) };
        return { accepts: [this.notJoinedRefusal(room), RATE_LIMITED] };
      case 'read':
        return this.planRead(room, frame.seq);
      case 'message':
        return this.planMessage(frame, room);
      default:
        return this.planChange(type as 'edit' | 'delete', frame, room);
    }
  }

  private planJoin(frame: Record<string, unknown>, room: string): ReplyPlan {
    if (Object.hasOwn(frame, 'since') && !isWholeNumber(frame.since)) return INVALID;
    if (Object.hasOwn(frame, 'watch') && typeof frame.watch !== 'boolean') return INVALID;
    // README: a `dm:` room nobody opened is refused; none of the fuzzed rooms of that form is opened.
    if (isDirectRoom(room)) return { accepts: ['error:forbidden'] };
    this.joined.add(room);
    this.memberOf.add(room);
    const watch = frame.watch === true;
    return {
      accepts: ['joined'],
      check: (reply) =>
        sameRoom(room)(reply) ??
        (watch && reply.type === 'joined' && reply.members.length > 0
          ? `a watch join's members must be []`
          : undefined),
    };
  }

  private planJoinDirect(user: unknown): ReplyPlan {
    if (!isUserId(user) || user === this.self) return INVALID;
    this.partners.add(user);
    return {
      accepts: ['joined'],
      check: (reply) =>
        reply.type === 'joined' && isDirectRoom(reply.room) && reply.direct?.user.id === user
          ? undefined
          : `join_direct with ${user} must join a dm: room with "direct":{"user":{"id":${JSON.stringify(user)}}}`,
    };
  }

  private planRead(room: string, seq: unknown): ReplyPlan {
    // README: "a whole number from 0 to 2^53 − 1".
    if (!isWholeNumber(seq)) return INVALID;
    if (isDirectRoom(room)) return { accepts: ['error:forbidden'] };
    // Reading an open room makes the user a member, as joining it does.
    this.memberOf.add(room);
    return {
      accepts: ['read'],
      check: (reply) => {
        if (reply.type !== 'read' || reply.room !== room) return 'a read reply for another room';
        const before = this.readAt.get(room) ?? 0;
        // Only ever forward, and never past the seq asked (nor past the room's last seq).
        if (!Number.isSafeInteger(reply.seq) || reply.seq < before) {
          return `read position went from ${before} back to ${reply.seq}`;
        }
        if (reply.seq > Math.max(before, seq))
          return `read position ${reply.seq} past the seq asked`;
        return undefined;
      },
      learn: (reply) => {
        if (reply.type === 'read') this.readAt.set(room, reply.seq);
      },
    };
  }

  private planInbox(): ReplyPlan {
    const openRooms = [...this.memberOf].sort();
    const partners = [...this.partners].sort();
    return {
      accepts: ['inbox'],
      check: (reply) => {
        if (reply.type !== 'inbox') return undefined;
        const listed = reply.rooms.filter((entry) => !entry.direct).map((entry) => entry.room);
        const direct = reply.rooms.flatMap((entry) => (entry.direct ? [entry.direct.user.id] : []));
        const same = (a: string[], b: string[]) => JSON.stringify(a.sort()) === JSON.stringify(b);
        return same(listed, openRooms) && same(direct, partners)
          ? undefined
          : `inbox must list rooms ${JSON.stringify(openRooms)} and direct rooms with ${JSON.stringify(partners)}`;
      },
    };
  }

  private planPresence(users: unknown): ReplyPlan {
    if (
      !Array.isArray(users) ||
      users.length > PROTOCOL_LIMITS.maxPresenceUsers ||
      !users.every(isUserId)
    ) {
      return INVALID;
    }
    // The asked users who share a room with the caller, in the asked order without repeats: the
    // caller (once a member of anything), and the partners of its direct rooms, who never connect.
    const member = this.memberOf.size + this.partners.size > 0;
    const expected = [...new Set(users)]
      .filter((id) => (id === this.self && member) || this.partners.has(id))
      .map((id) => ({ id, online: id === this.self, lastSeen: null }));
    return {
      accepts: ['presence'],
      check: (reply) =>
        reply.type === 'presence' && JSON.stringify(reply.users) === JSON.stringify(expected)
          ? undefined
          : `presence must be ${JSON.stringify(expected)}`,
    };
  }

  private planMessage(frame: Record<string, unknown>, room: string): ReplyPlan {
    const { text, clientMsgId } = frame;
    if (!isMessageText(text)) return INVALID;
    if (Object.hasOwn(frame, 'clientMsgId')) {
      if (
        typeof clientMsgId !== 'string' ||
        clientMsgId.length < 1 ||
        clientMsgId.length > PROTOCOL_LIMITS.maxClientMsgIdLength ||
        LONE_SURROGATE.test(clientMsgId) ||
        ANY_CONTROL.test(clientMsgId)
      ) {
        return INVALID;
      }
    }
    if (text.length > PROTOCOL_LIMITS.maxTextLength) return { accepts: ['error:too_long'] };
    if (!this.joined.has(room)) return { accepts: [this.notJoinedRefusal(room)] };
    return {
      accepts: ['ack', RATE_LIMITED],
      learn: (reply) => {
        if (reply.type !== 'ack' || this.own.has(reply.id)) return;
        this.own.set(reply.id, { room, deleteSeq: null });
        this.ownInOrder.push({ id: reply.id, room });
      },
    };
  }

  private planChange(
    action: 'edit' | 'delete',
    frame: Record<string, unknown>,
    room: string,
  ): ReplyPlan {
    const { id } = frame;
    if (typeof id !== 'string' || !DIGITS.test(id)) return INVALID;
    // Digits that cannot be a message's id (0, past 2^63 − 1): the README does not say whether that
    // is a bad field (refused before anything else) or an unknown message (refused as not_found).
    const canonical = String(BigInt(id)) === id && BigInt(id) >= 1n && BigInt(id) <= MAX_BIGINT;
    const plan = this.planChangeOf(action, frame, room, id, canonical);
    if (canonical || plan === INVALID) return plan;
    return { accepts: ['error:invalid_message', ...plan.accepts] };
  }

  private planChangeOf(
    action: 'edit' | 'delete',
    frame: Record<string, unknown>,
    room: string,
    id: string,
    canonical: boolean,
  ): ReplyPlan {
    const { text } = frame;
    if (action === 'edit') {
      if (!isMessageText(text)) return INVALID;
      if (text.length > PROTOCOL_LIMITS.maxTextLength) return { accepts: ['error:too_long'] };
    }
    if (!this.joined.has(room)) return { accepts: [this.notJoinedRefusal(room)] };
    const change: SentChange = {
      action,
      room,
      id,
      ...(action === 'edit' ? { text: text as string } : {}),
    };
    // Edits and deletes take from the user's message bucket (README, HTTP endpoints).
    const refused = (code: ErrorCode, ...more: ErrorCode[]): ReplyPlan => ({
      accepts: [`error:${code}`, ...more.map((c) => `error:${c}` as const), RATE_LIMITED],
    });
    const own = this.own.get(id);
    const others = this.others.get(id);
    if (own) {
      if (own.room !== room) return refused('not_found');
      if (action === 'edit' && own.deleteSeq !== null) return refused('not_found');
      const firstDelete = action === 'delete' ? own.deleteSeq : null;
      return {
        accepts: ['change_ack', RATE_LIMITED],
        change,
        check: (reply) => {
          if (reply.type !== 'change_ack') return undefined;
          if (reply.action !== action || reply.room !== room || reply.id !== id) {
            return `change_ack must name ${action} of ${id} in ${room}`;
          }
          return firstDelete !== null && reply.seq !== firstDelete
            ? `a repeated delete must answer the first delete's seq ${firstDelete}`
            : undefined;
        },
        learn: (reply) => {
          if (reply.type === 'change_ack' && action === 'delete') own.deleteSeq ??= reply.seq;
        },
      };
    }
    if (others) {
      if (others.room !== room) return refused('not_found');
      // An edit of another user's deleted message: forbidden (not theirs) or not_found (deleted).
      if (action === 'edit' && others.deleted) return refused('forbidden', 'not_found');
      return refused('forbidden');
    }
    // Not a message this oracle knows: a change event's id, or a message of a connection still open.
    if (!canonical || BigInt(id) >= NO_MESSAGE_ID_FROM) return refused('not_found');
    return refused('not_found', 'forbidden');
  }

  /** A room this connection has not joined: `forbidden` if the user may not use it, else `not_joined`. */
  private notJoinedRefusal(room: string): ReplyName {
    return isDirectRoom(room) ? 'error:forbidden' : 'error:not_joined';
  }
}

const sameRoom =
  (room: string) =>
  (reply: ReplyFrame): string | undefined =>
    'room' in reply && reply.room !== room
      ? `answered for room ${reply.room}, not ${room}`
      : undefined;

/** README: ids beginning with `dm:` are direct rooms'. */
function isDirectRoom(room: string): boolean {
  return room.startsWith('dm:');
}

/** A message's (or an edit's) text, before its length: no control characters but newline and tab, valid Unicode. */
function isMessageText(text: unknown): text is string {
  return typeof text === 'string' && !REFUSED_CONTROL.test(text) && !LONE_SURROGATE.test(text);
}

/** README: 1–255 characters of valid Unicode without control characters. */
function isUserId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= PROTOCOL_LIMITS.maxUserIdLength &&
    !LONE_SURROGATE.test(value) &&
    !ANY_CONTROL.test(value)
  );
}

function messageOf(value: unknown): SentMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, room, text, clientMsgId } = value as Record<string, unknown>;
  if (type !== 'message' || typeof room !== 'string' || typeof text !== 'string') return undefined;
  return { room, text, clientMsgId: typeof clientMsgId === 'string' ? clientMsgId : null };
}

/** `since` and a read's `seq`: a whole number from 0 up, exact in a double (JSON's 1e20 is whole but not exact). */
function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** How a reply frame is named for the oracle and the figures. */
export function replyName(reply: { type: string; code?: string }): string {
  return reply.type === 'error' ? `error:${reply.code}` : reply.type;
}
