import { Injectable } from '@nestjs/common';
import { ChatMessage } from '@switchboard/protocol';
import { DataSource } from 'typeorm';

export interface NewMessage {
  room: string;
  userId: string;
  userName: string;
  text: string;
  clientMsgId: string | null;
}

export interface AppendResult {
  message: ChatMessage;
  /** False when `clientMsgId` matched an earlier message of the same user in the room: nothing was stored. */
  created: boolean;
}

export interface MessagePage {
  messages: ChatMessage[];
  hasMore: boolean;
}

export interface PageQuery {
  before?: number;
  after?: number;
  limit: number;
}

interface InsertedRow {
  id: string;
  seq: string;
  created_at: Date;
}

// One statement, committed on its own: takes the room's next sequence number (its counter row stays
// locked only while this statement runs) and inserts the message. A repeated clientMsgId violates
// messages_client_msg_id_key, which undoes the whole statement, so the number is never used up.
const APPEND_SQL = `
  WITH next AS (
    INSERT INTO room_sequences (room, last_seq) VALUES ($1, 1)
    ON CONFLICT (room) DO UPDATE SET last_seq = room_sequences.last_seq + 1
    RETURNING last_seq
  )
  INSERT INTO messages (room, seq, user_id, user_name, text, client_msg_id)
  SELECT $1, next.last_seq, $2, $3, $4, $5 FROM next
  RETURNING id, seq, created_at`;

const UNIQUE_VIOLATION = '23505';
const CLIENT_MSG_ID_KEY = 'messages_client_msg_id_key';

function isRepeatedClientMsgId(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === UNIQUE_VIOLATION && constraint === CLIENT_MSG_ID_KEY;
}

/** A `messages` row as pg returns it (bigint as a string). */
interface MessageRow {
  id: string;
  room: string;
  seq: string;
  user_id: string;
  user_name: string;
  text: string;
  client_msg_id: string | null;
  created_at: Date;
}

const MESSAGE_COLUMNS = 'id, room, seq, user_id, user_name, text, client_msg_id, created_at';

// Pages are plain SQL on the (room, seq) index: history reads are the hot path of joins and of the
// history API, and the ORM's query building and entity mapping cost more than the query itself.
const PAGE_FORWARD_SQL = `SELECT ${MESSAGE_COLUMNS} FROM messages
  WHERE room = $1 AND seq > $2 AND seq < $3 ORDER BY seq ASC LIMIT $4`;
const PAGE_BACKWARD_SQL = `SELECT ${MESSAGE_COLUMNS} FROM messages
  WHERE room = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`;
const BY_CLIENT_MSG_ID_SQL = `SELECT ${MESSAGE_COLUMNS} FROM messages
  WHERE room = $1 AND user_id = $2 AND client_msg_id = $3`;

function toChatMessage(row: MessageRow): ChatMessage {
  return {
    id: String(row.id),
    room: row.room,
    seq: Number(row.seq),
    user: { id: row.user_id, name: row.user_name },
    text: row.text,
    ts: row.created_at.getTime(),
    clientMsgId: row.client_msg_id,
  };
}

/** Chat messages in PostgreSQL: gap-free per-room sequence numbers, idempotent appends, cursor pages. */
@Injectable()
export class MessageStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Resolves only after the message is committed (one round trip when it is new). */
  async append(input: NewMessage): Promise<AppendResult> {
    let inserted: InsertedRow;
    try {
      [inserted] = await this.dataSource.query<InsertedRow[]>(APPEND_SQL, [
        input.room,
        input.userId,
        input.userName,
        input.text,
        input.clientMsgId,
      ]);
    } catch (error) {
      if (!isRepeatedClientMsgId(error)) throw error;
      const [original] = await this.dataSource.query<MessageRow[]>(BY_CLIENT_MSG_ID_SQL, [
        input.room,
        input.userId,
        input.clientMsgId,
      ]);
      return { created: false, message: toChatMessage(original) };
    }
    return {
      created: true,
      message: {
        id: String(inserted.id),
        room: input.room,
        seq: Number(inserted.seq),
        user: { id: input.userId, name: input.userName },
        text: input.text,
        ts: inserted.created_at.getTime(),
        clientMsgId: input.clientMsgId,
      },
    };
  }

  /**
   * One page in ascending seq order. Without cursors: the newest `limit`. Because sequence numbers have
   * no gaps, `hasMore` is derived from the seqs returned, so the query reads only the rows it returns.
   */
  async page(room: string, query: PageQuery): Promise<MessagePage> {
    const { before, after, limit } = query;
    if (after !== undefined) {
      const upper = before ?? Number.MAX_SAFE_INTEGER;
      const rows = await this.dataSource.query<MessageRow[]>(PAGE_FORWARD_SQL, [
        room,
        after,
        upper,
        limit,
      ]);
      const last = rows.at(-1);
      const hasMore =
        last !== undefined &&
        (before !== undefined
          ? Number(last.seq) < before - 1
          : Number(last.seq) < (await this.lastSeq(room)));
      return { messages: rows.map(toChatMessage), hasMore };
    }
    const rows = await this.dataSource.query<MessageRow[]>(PAGE_BACKWARD_SQL, [
      room,
      before ?? Number.MAX_SAFE_INTEGER,
      limit,
    ]);
    rows.reverse();
    return {
      messages: rows.map(toChatMessage),
      hasMore: rows.length > 0 && Number(rows[0].seq) > 1,
    };
  }

  async lastSeq(room: string): Promise<number> {
    const rows = await this.dataSource.query<{ last_seq: string }[]>(
      'SELECT last_seq FROM room_sequences WHERE room = $1',
      [room],
    );
    return rows.length ? Number(rows[0].last_seq) : 0;
  }
}
