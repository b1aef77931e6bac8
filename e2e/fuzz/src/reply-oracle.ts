import { ErrorCode, PROTOCOL_LIMITS } from '@switchboard/protocol';
import { HostileFrame } from './hostile-frames';

/** A reply as the oracle names it: its type, or `error:<code>`. */
export type ReplyName = 'joined' | 'left' | 'ack' | 'pong' | `error:${ErrorCode}`;

/** A message the gateway may store: what must then be stored, byte for byte. */
export interface SentMessage {
  room: string;
  text: string;
  clientMsgId: string | null;
}

export interface ReplyPlan {
  /** The replies the README allows for this frame, in this connection's state. */
  accepts: readonly ReplyName[];
  /**
   * What the frame carries when it has a message's shape (valid or not): if the gateway acknowledges
   * it, this is what must be stored.
   */
  message?: SentMessage;
  /** The room a `joined` or `left` reply must name, so that replies are known to be in order. */
  room?: string;
}

const ALLOWED_FIELDS: Record<string, readonly string[]> = {
  join: ['type', 'room', 'since'],
  leave: ['type', 'room'],
  message: ['type', 'room', 'text', 'clientMsgId'],
  ping: ['type'],
};

// C0 controls other than newline and tab, and DEL (README: "every other control character is refused").
// eslint-disable-next-line no-control-regex
const REFUSED_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
// README: a clientMsgId has no control characters at all, newline and tab included.
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;
// With the `u` flag a surrogate pair is one code point, so only a lone surrogate matches.
const LONE_SURROGATE = /\p{Surrogate}/u;

const INVALID: ReplyPlan = { accepts: ['error:invalid_message'] };

/**
 * The README's protocol, written independently of the gateway's parser: which reply each frame
 * must get, given the rooms this connection has joined so far. One oracle per connection.
 */
export class ReplyOracle {
  private readonly joined = new Set<string>();

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
    if (type === 'ping') return { accepts: ['pong'] };
    const room = frame.room;
    if (typeof room !== 'string' || !PROTOCOL_LIMITS.roomPattern.test(room)) return INVALID;
    if (type === 'leave') {
      this.joined.delete(room);
      return { accepts: ['left'], room };
    }
    if (type === 'join') {
      const since = frame.since;
      if (Object.hasOwn(frame, 'since') && !isSequenceNumber(since)) return INVALID;
      this.joined.add(room);
      return { accepts: ['joined'], room };
    }
    return this.planMessage(frame, room);
  }

  private planMessage(frame: Record<string, unknown>, room: string): ReplyPlan {
    const { text, clientMsgId } = frame;
    if (typeof text !== 'string' || REFUSED_CONTROL.test(text) || LONE_SURROGATE.test(text)) {
      return INVALID;
    }
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
    if (!this.joined.has(room)) return { accepts: ['error:not_joined'] };
    return { accepts: ['ack', 'error:rate_limited'] };
  }
}

function messageOf(value: unknown): SentMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, room, text, clientMsgId } = value as Record<string, unknown>;
  if (type !== 'message' || typeof room !== 'string' || typeof text !== 'string') return undefined;
  return { room, text, clientMsgId: typeof clientMsgId === 'string' ? clientMsgId : null };
}

/** `since`: a whole number from 0 up, exact in a double (JSON's 1e20 is whole but not exact). */
function isSequenceNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** How a reply frame is named for the oracle and the figures. */
export function replyName(reply: { type: string; code?: string }): string {
  return reply.type === 'error' ? `error:${reply.code}` : reply.type;
}
