import type {
  Notification,
  NotificationContent,
  NotificationReadState,
} from '@switchboard/protocol';
import { sizedSseChunk } from './sse-event-writer';

/**
 * Server-sent events framing (WHATWG HTML, "Server-sent events"): UTF-8 lines, a blank line ends an
 * event, one `data:` line per line of the value (never a raw CR or LF inside a field).
 */
const LINE_BREAK = /\r\n|\r|\n/;

/** One publish framed for each of its recipients (see `notificationFrames`). */
export interface NotificationFramer {
  frame(id: string, userId: string): string;
  /** The frame as `sseChunk` makes it, its size summed from the parts' (the shared text's measured once). */
  chunk(id: string, userId: string): string;
}

/**
 * Frames one publish for each of its recipients (`event: notification`): the content is serialized
 * once, and each frame is that shared text behind the recipient's ids. The data is the JSON of the
 * whole `Notification`, keys in its order, on one `data:` line (JSON never holds a raw line break).
 * Ids are PostgreSQL bigints, digits only, so the `id:` field cannot break the frame. The recipients of
 * one publish share its id, so the text before the user id is built once per id, not per recipient.
 */
export function notificationFrames(content: NotificationContent): NotificationFramer {
  const { type, title, body, data, ts } = content;
  const shared = `,${JSON.stringify({ type, title, body, data, ts }).slice(1)}\n\n`;
  const sharedBytes = Buffer.byteLength(shared);
  let headId = '';
  let head = '';
  const headFor = (id: string) => {
    if (id !== headId) {
      headId = id;
      // ASCII only: its length is its size.
      head = `id: ${id}\nevent: notification\ndata: {"id":"${id}","userId":`;
    }
    return head;
  };
  return {
    frame: (id, userId) => headFor(id) + JSON.stringify(userId) + shared,
    chunk: (id, userId) => {
      const user = JSON.stringify(userId);
      const frame = headFor(id) + user + shared;
      return sizedSseChunk(frame, head.length + Buffer.byteLength(user) + sharedBytes);
    },
  };
}

/** The frame of one stored notification (a replay). */
export function notificationFrame(notification: Notification): string {
  return notificationFrames(notification).frame(notification.id, notification.userId);
}

/**
 * `event: read` with the user's read state. No `id:` field, so the stream's resume position (the last
 * notification id) stays as it was.
 */
export function readStateFrame({ lastReadId, unread }: NotificationReadState): string {
  return `event: read\ndata: ${JSON.stringify({ lastReadId, unread })}\n\n`;
}

/** A comment line: ignored by EventSource, keeps proxies from closing an idle stream. */
export function formatSseComment(text: string): string {
  return text
    .split(LINE_BREAK)
    .map((line) => `: ${line}\n`)
    .join('')
    .concat('\n');
}

/** The reconnection delay the browser should use; digits only. */
export function formatSseRetry(milliseconds: number): string {
  if (!Number.isInteger(milliseconds) || milliseconds < 0)
    throw new RangeError('retry must be a whole number of milliseconds');
  return `retry: ${milliseconds}\n\n`;
}
