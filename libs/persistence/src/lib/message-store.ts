import { Injectable } from '@nestjs/common';
import { ChatMessage } from '@switchboard/protocol';
import { Between, DataSource, LessThan, Repository } from 'typeorm';
import { MessageEntity } from './entities';

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

// Takes the room's next sequence number (locking its counter row until commit) and inserts the message.
// A repeated clientMsgId inserts nothing; the caller then rolls back so the number is not used up.
const APPEND_SQL = `
  WITH next AS (
    INSERT INTO room_sequences (room, last_seq) VALUES ($1, 1)
    ON CONFLICT (room) DO UPDATE SET last_seq = room_sequences.last_seq + 1
    RETURNING last_seq
  )
  INSERT INTO messages (room, seq, user_id, user_name, text, client_msg_id)
  SELECT $1, next.last_seq, $2, $3, $4, $5 FROM next
  ON CONFLICT (room, user_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING
  RETURNING id, seq, created_at`;

export function toChatMessage(row: MessageEntity): ChatMessage {
  return {
    id: row.id,
    room: row.room,
    seq: row.seq,
    user: { id: row.userId, name: row.userName },
    text: row.text,
    ts: row.createdAt.getTime(),
    clientMsgId: row.clientMsgId,
  };
}

/** Chat messages in PostgreSQL: gap-free per-room sequence numbers, idempotent appends, cursor pages. */
@Injectable()
export class MessageStore {
  private readonly messages: Repository<MessageEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.messages = dataSource.getRepository(MessageEntity);
  }

  /** Resolves only after the message is committed. */
  async append(input: NewMessage): Promise<AppendResult> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    let inserted: InsertedRow | undefined;
    try {
      await runner.startTransaction();
      const rows = (await runner.query(APPEND_SQL, [
        input.room,
        input.userId,
        input.userName,
        input.text,
        input.clientMsgId,
      ])) as InsertedRow[];
      inserted = rows[0];
      if (inserted) await runner.commitTransaction();
      else await runner.rollbackTransaction();
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
    if (inserted) {
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
    const original = await this.messages.findOneByOrFail({
      room: input.room,
      userId: input.userId,
      clientMsgId: input.clientMsgId as string,
    });
    return { created: false, message: toChatMessage(original) };
  }

  /**
   * One page in ascending seq order. Without cursors: the newest `limit`. Because sequence numbers have
   * no gaps, `hasMore` is derived from the seqs returned, so the query reads only the rows it returns.
   */
  async page(room: string, query: PageQuery): Promise<MessagePage> {
    const { before, after, limit } = query;
    if (after !== undefined) {
      const upper = before ?? Number.MAX_SAFE_INTEGER;
      const rows = await this.messages.find({
        where: { room, seq: Between(after + 1, upper - 1) },
        order: { seq: 'ASC' },
        take: limit,
      });
      const last = rows.at(-1);
      const hasMore =
        last !== undefined &&
        (before !== undefined ? last.seq < before - 1 : last.seq < (await this.lastSeq(room)));
      return { messages: rows.map(toChatMessage), hasMore };
    }
    const rows = await this.messages.find({
      where: before !== undefined ? { room, seq: LessThan(before) } : { room },
      order: { seq: 'DESC' },
      take: limit,
    });
    rows.reverse();
    return { messages: rows.map(toChatMessage), hasMore: rows.length > 0 && rows[0].seq > 1 };
  }

  async lastSeq(room: string): Promise<number> {
    const rows = await this.dataSource.query<{ last_seq: string }[]>(
      'SELECT last_seq FROM room_sequences WHERE room = $1',
      [room],
    );
    return rows.length ? Number(rows[0].last_seq) : 0;
  }
}
