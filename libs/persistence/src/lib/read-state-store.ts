import { Injectable } from '@nestjs/common';
import { ChatMessage, InboxRoom, RoomAccess } from '@switchboard/protocol';
import { DataSource } from 'typeorm';
import { poolRows } from './data-source';

/** A member's read position in a room and what others sent after it. */
export interface ReadPositionRecord {
  lastReadSeq: number;
  unread: number;
}

// Counts only messages after the position: an index-only scan of messages_room_seq_key, which
// carries each message's author. Exported for the join's standing (room-store.ts) only.
export const UNREAD_AFTER = (room: string, position: string, userId: string) =>
  `(SELECT count(*) FROM messages u WHERE u.room = ${room} AND u.seq > ${position} AND u.user_id <> ${userId} AND u.kind = 'message')`;

// Moves the position forward only, clamped to the room's last seq; no row when nothing moved.
const ADVANCE_SQL = `
  UPDATE room_members m SET last_read_seq = target.seq
  FROM (SELECT LEAST($3::bigint, COALESCE((SELECT last_seq FROM room_sequences WHERE room = $1), 0)) AS seq) target
  WHERE m.room = $1 AND m.user_id = $2 AND m.last_read_seq < target.seq
  RETURNING m.last_read_seq`;

/** Exported for its plan's test only. */
export const POSITION_SQL = `
  SELECT m.last_read_seq, ${UNREAD_AFTER('m.room', 'm.last_read_seq', 'm.user_id')} AS unread
  FROM room_members m WHERE m.room = $1 AND m.user_id = $2`;

// One statement for the whole inbox: each room's newest message and unread count come from laterals
// on the (room, seq) indexes, the partner's name from users, in order of the newest activity.
const INBOX_SQL = `
  SELECT m.room, r.access, r.title, m.last_read_seq, unread.count AS unread,
         partner.id AS partner_id, COALESCE(partner_user.name, partner.id) AS partner_name,
         last.id, last.seq, last.user_id, last.user_name, last.text, last.client_msg_id, last.created_at
  FROM room_members m
  JOIN rooms r ON r.room = m.room
  LEFT JOIN room_sequences s ON s.room = m.room
  LEFT JOIN LATERAL (
    SELECT id, seq, user_id, user_name, text, client_msg_id, created_at
    FROM messages WHERE room = m.room AND seq <= s.last_seq AND kind = 'message'
    ORDER BY seq DESC LIMIT 1
  ) last ON true
  LEFT JOIN LATERAL ${UNREAD_AFTER('m.room', 'm.last_read_seq', 'm.user_id')} unread ON true
  LEFT JOIN LATERAL (
    SELECT CASE WHEN r.direct_user_a = m.user_id THEN r.direct_user_b ELSE r.direct_user_a END AS id
  ) partner ON true
  LEFT JOIN users partner_user ON partner_user.id = partner.id
  WHERE m.user_id = $1
  ORDER BY COALESCE(last.created_at, m.joined_at) DESC, m.room`;

interface InboxRow {
  room: string;
  access: RoomAccess;
  title: string | null;
  last_read_seq: string;
  unread: string;
  partner_id: string | null;
  partner_name: string | null;
  id: string | null;
  seq: string | null;
  user_id: string | null;
  user_name: string | null;
  text: string | null;
  client_msg_id: string | null;
  created_at: Date | null;
}

function lastMessageOf(row: InboxRow): ChatMessage | null {
  if (row.id === null) return null;
  return {
    id: String(row.id),
    room: row.room,
    seq: Number(row.seq),
    user: { id: row.user_id as string, name: row.user_name as string },
    text: row.text as string,
    ts: (row.created_at as Date).getTime(),
    clientMsgId: row.client_msg_id,
  };
}

function toInboxRoom(row: InboxRow): InboxRoom {
  return {
    room: row.room,
    access: row.access,
    ...(row.title !== null ? { title: row.title } : {}),
    ...(row.access === 'direct' && row.partner_id !== null
      ? { direct: { user: { id: row.partner_id, name: row.partner_name ?? row.partner_id } } }
      : {}),
    unread: Number(row.unread),
    lastReadSeq: Number(row.last_read_seq),
    lastMessage: lastMessageOf(row),
  };
}

/** Members' read positions (room_members.last_read_seq), unread counts and inboxes in PostgreSQL. */
@Injectable()
export class ReadStateStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Moves the member's position up to `seq` (never back; past the room's end is its end). The
   * position now and whether it moved; null when the user is not a member.
   */
  async advance(
    room: string,
    userId: string,
    seq: number,
  ): Promise<{ lastReadSeq: number; moved: boolean } | null> {
    const rows = await poolRows<{ last_read_seq: string }>(this.dataSource, ADVANCE_SQL, [
      room,
      userId,
      seq,
    ]);
    if (rows.length) return { lastReadSeq: Number(rows[0].last_read_seq), moved: true };
    const position = await this.position(room, userId);
    return position && { lastReadSeq: position.lastReadSeq, moved: false };
  }

  /** The member's position and unread count; null when the user is not a member. */
  async position(room: string, userId: string): Promise<ReadPositionRecord | null> {
    const rows = await poolRows<{ last_read_seq: string; unread: string }>(
      this.dataSource,
      POSITION_SQL,
      [room, userId],
    );
    return rows.length
      ? { lastReadSeq: Number(rows[0].last_read_seq), unread: Number(rows[0].unread) }
      : null;
  }

  /** Every room the user is a member of, most recent activity first (the newest message, else joining). */
  async inbox(userId: string): Promise<InboxRoom[]> {
    const rows = await poolRows<InboxRow>(this.dataSource, INBOX_SQL, [userId]);
    return rows.map(toInboxRoom);
  }
}
