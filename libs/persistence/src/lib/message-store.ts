import { Injectable } from '@nestjs/common';
import {
  ChatMessage,
  HistoryMessage,
  MessageChangeFrame,
  MessageDeletedFrame,
  MessageEditedFrame,
} from '@switchboard/protocol';
import type { ClientBase, CustomTypesConfig, Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { clientRows, onPooledClient, poolOf, poolRows } from './data-source';
import { RoomStanding, STANDING_SQL, StandingColumns, standingOfColumns } from './room-store';

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
  /** Messages in their current state. */
  messages: HistoryMessage[];
  hasMore: boolean;
  /** Only for pages with `after`: the edits and deletes in the page's seq range, ascending. */
  events?: MessageChangeFrame[];
}

/** A page with its reader's standing in the room, read together (`MessageStore.readerPage`). */
export interface ReaderPage {
  standing: RoomStanding;
  page: MessagePage;
}

/** Who changes a message, and whether they may delete other users' messages (a room admin). */
export interface MessageChanger {
  userId: string;
  userName: string;
  mayDeleteOthers?: boolean;
}

/**
 * What became of an edit or a delete: `changed` with the event stored (a repeated delete of a deleted
 * message answers `changed` with the first delete and `created: false`); otherwise why nothing was stored.
 */
export type ChangeOutcome<F> =
  | { outcome: 'changed'; event: F; created: boolean }
  | { outcome: 'not_found' }
  | { outcome: 'forbidden' };

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

// Many messages in one statement: each room's counter row is raised once by its count of messages (rows
// locked in room order, so two instances' batches cannot deadlock) and the messages take that range in
// batch order. Any failure (a repeated clientMsgId too) undoes the whole statement, using up no number.
const APPEND_BATCH_SQL = `
  WITH batch AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
      WITH ORDINALITY AS b(room, user_id, user_name, text, client_msg_id, position)
  ), counts AS (
    SELECT room, count(*) AS n FROM batch GROUP BY room
  ), bumped AS (
    INSERT INTO room_sequences (room, last_seq) SELECT room, n FROM counts ORDER BY room
    ON CONFLICT (room) DO UPDATE SET last_seq = room_sequences.last_seq + EXCLUDED.last_seq
    RETURNING room, last_seq
  )
  INSERT INTO messages (room, seq, user_id, user_name, text, client_msg_id)
  SELECT batch.room,
    bumped.last_seq - counts.n + row_number() OVER (PARTITION BY batch.room ORDER BY batch.position),
    batch.user_id, batch.user_name, batch.text, batch.client_msg_id
  FROM batch JOIN counts USING (room) JOIN bumped USING (room)
  ORDER BY batch.position
  RETURNING id, room, seq, created_at`;

interface BatchInsertedRow extends InsertedRow {
  room: string;
}

const UNIQUE_VIOLATION = '23505';
const CLIENT_MSG_ID_KEY = 'messages_client_msg_id_key';

function isRepeatedClientMsgId(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === UNIQUE_VIOLATION && constraint === CLIENT_MSG_ID_KEY;
}

/** A `messages` row as the reads select it (`MESSAGE_COLUMNS`), every value PostgreSQL's text. */
interface MessageRow {
  id: string;
  room: string;
  seq: string;
  user_id: string;
  user_name: string;
  text: string;
  client_msg_id: string | null;
  created_ms: string;
  kind: 'message' | 'edit' | 'delete';
  target_id: string | null;
  edited_ms: string | null;
  deleted_at: string | null;
}

// Times come as milliseconds since the epoch, truncated as pg's date parsing truncates microseconds,
// so a read parses no dates (on the history API's hot path that parsing cost more than the query).
const MESSAGE_COLUMNS = `id, room, seq, user_id, user_name, text, client_msg_id,
  floor(extract(epoch FROM created_at) * 1000)::bigint AS created_ms, kind, target_id,
  floor(extract(epoch FROM edited_at) * 1000)::bigint AS edited_ms, deleted_at`;

const asText = (value: string) => value;

/** pg's type parsing turned off: every value stays PostgreSQL's text, converted where it is used. */
const TEXT_VALUES: CustomTypesConfig = {
  getTypeParser: (() => asText) as CustomTypesConfig['getTypeParser'],
};

/**
 * A read run as a prepared statement of its own name: PostgreSQL parses it once per pooled connection,
 * and its SQL no longer crosses the socket with every call. It is still planned per call (custom
 * plans: the page size is a parameter).
 */
interface PreparedRead {
  name: string;
  text: string;
}

// Pages are plain SQL on the (room, seq) index: history reads are the hot path of joins and of the
// history API, and the ORM's query building and entity mapping cost more than the query itself.
const PAGE_FORWARD_SQL = `SELECT ${MESSAGE_COLUMNS} FROM messages
  WHERE room = $1 AND seq > $2 AND seq < $3 ORDER BY seq ASC LIMIT $4`;
// Backward pages list messages only (in their current state): the events they hold are already applied.
const PAGE_BACKWARD_SQL = `SELECT ${MESSAGE_COLUMNS} FROM messages
  WHERE room = $1 AND seq < $2 AND kind = 'message' ORDER BY seq DESC LIMIT $3`;

/** A page's read, its values, and whether it lists the rows by descending seq. */
interface PageStatement {
  page: PreparedRead;
  values: unknown[];
  descending: boolean;
}

const PAGE_FORWARD: PreparedRead = { name: 'switchboard_page_forward', text: PAGE_FORWARD_SQL };
const PAGE_BACKWARD: PreparedRead = { name: 'switchboard_page_backward', text: PAGE_BACKWARD_SQL };
const STANDING: PreparedRead = { name: 'switchboard_standing', text: STANDING_SQL };

function pageStatement(room: string, { before, after, limit }: PageQuery): PageStatement {
  if (after !== undefined) {
    const values = [room, after, before ?? Number.MAX_SAFE_INTEGER, limit];
    return { page: PAGE_FORWARD, values, descending: false };
  }
  const values = [room, before ?? Number.MAX_SAFE_INTEGER, limit];
  return { page: PAGE_BACKWARD, values, descending: true };
}

const BY_CLIENT_MSG_ID: PreparedRead = {
  name: 'switchboard_by_client_msg_id',
  text: `SELECT ${MESSAGE_COLUMNS} FROM messages
  WHERE room = $1 AND user_id = $2 AND client_msg_id = $3`,
};

/** The message as committed: what was sent, with the id, seq and time the insert gave it. */
function storedMessage(input: NewMessage, inserted: InsertedRow): ChatMessage {
  return {
    id: String(inserted.id),
    room: input.room,
    seq: Number(inserted.seq),
    user: { id: input.userId, name: input.userName },
    text: input.text,
    ts: inserted.created_at.getTime(),
    clientMsgId: input.clientMsgId,
  };
}

function toChatMessage(row: MessageRow): ChatMessage {
  return {
    id: String(row.id),
    room: row.room,
    seq: Number(row.seq),
    user: { id: row.user_id, name: row.user_name },
    text: row.text,
    ts: Number(row.created_ms),
    clientMsgId: row.client_msg_id,
    ...(row.edited_ms !== null ? { editedAt: Number(row.edited_ms) } : {}),
  };
}

function toHistoryMessage(row: MessageRow): HistoryMessage {
  if (row.deleted_at === null) return toChatMessage(row);
  return {
    id: String(row.id),
    room: row.room,
    seq: Number(row.seq),
    user: { id: row.user_id, name: row.user_name },
    ts: Number(row.created_ms),
    clientMsgId: row.client_msg_id,
    deleted: true,
  };
}

function toChangeEvent(row: MessageRow): MessageChangeFrame {
  const common = { room: row.room, id: String(row.target_id), seq: Number(row.seq) };
  return row.kind === 'edit'
    ? { type: 'message_edited', ...common, text: row.text, editedAt: Number(row.created_ms) }
    : { type: 'message_deleted', ...common };
}

/** Splits a forward page's rows into messages and the events among them. */
function splitRows(rows: MessageRow[]): {
  messages: HistoryMessage[];
  events: MessageChangeFrame[];
} {
  const messages: HistoryMessage[] = [];
  const events: MessageChangeFrame[] = [];
  for (const row of rows) {
    if (row.kind === 'message') messages.push(toHistoryMessage(row));
    else events.push(toChangeEvent(row));
  }
  return { messages, events };
}

// An edit or a delete in one statement, like an append: the target row is locked first (so a change
// racing it is seen), then the room's next seq is taken only when the target qualifies, so a refused
// change uses up no number; the message row gets its new state and the event row the seq.
const EDIT_SQL = `
  WITH target AS (
    SELECT id FROM messages
    WHERE room = $1 AND id = $2 AND kind = 'message' AND deleted_at IS NULL AND user_id = $3
    FOR UPDATE
  ), next AS (
    INSERT INTO room_sequences (room, last_seq) SELECT $1, 1 FROM target
    ON CONFLICT (room) DO UPDATE SET last_seq = room_sequences.last_seq + 1
    RETURNING last_seq
  ), changed AS (
    UPDATE messages SET text = $5, edited_at = now() FROM next
    WHERE messages.room = $1 AND messages.id = $2
    RETURNING messages.edited_at
  )
  INSERT INTO messages (room, seq, user_id, user_name, text, kind, target_id, created_at)
  SELECT $1, next.last_seq, $3, $4, $5, 'edit', $2, changed.edited_at FROM next, changed
  RETURNING seq, created_at`;

const DELETE_SQL = `
  WITH target AS (
    SELECT id FROM messages
    WHERE room = $1 AND id = $2 AND kind = 'message' AND deleted_at IS NULL
      AND (user_id = $3 OR $5::boolean)
    FOR UPDATE
  ), next AS (
    INSERT INTO room_sequences (room, last_seq) SELECT $1, 1 FROM target
    ON CONFLICT (room) DO UPDATE SET last_seq = room_sequences.last_seq + 1
    RETURNING last_seq
  ), changed AS (
    UPDATE messages SET text = '', deleted_at = now() FROM next
    WHERE messages.room = $1 AND messages.id = $2
    RETURNING messages.deleted_at
  )
  INSERT INTO messages (room, seq, user_id, user_name, text, kind, target_id, created_at)
  SELECT $1, next.last_seq, $3, $4, '', 'delete', $2, changed.deleted_at FROM next, changed
  RETURNING seq, created_at`;

/** Why a change stored nothing: the target as it stands now. */
const TARGET_SQL = `SELECT user_id, seq, deleted_at FROM messages
  WHERE room = $1 AND id = $2 AND kind = 'message'`;
// The delete event of a deleted message lies after it on the (room, seq) index.
const DELETE_EVENT_SQL = `SELECT seq FROM messages
  WHERE room = $1 AND seq > $2 AND kind = 'delete' AND target_id = $3 ORDER BY seq LIMIT 1`;

/** The largest bigint: a longer id names no message. */
const MAX_MESSAGE_ID = 2n ** 63n - 1n;

interface ChangedRow {
  seq: string;
  created_at: Date;
}

interface TargetRow {
  user_id: string;
  seq: string;
  deleted_at: Date | null;
}

/** Chat messages in PostgreSQL: gap-free per-room sequence numbers, idempotent appends, cursor pages. */
@Injectable()
export class MessageStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Resolves only after the message is committed (one round trip when it is new). */
  async append(input: NewMessage): Promise<AppendResult> {
    let inserted: InsertedRow;
    try {
      [inserted] = await poolRows<InsertedRow>(this.dataSource, APPEND_SQL, [
        input.room,
        input.userId,
        input.userName,
        input.text,
        input.clientMsgId,
      ]);
    } catch (error) {
      if (!isRepeatedClientMsgId(error)) throw error;
      const [original] = await this.messageRows<MessageRow>(BY_CLIENT_MSG_ID, [
        input.room,
        input.userId,
        input.clientMsgId,
      ]);
      return { created: false, message: toChatMessage(original) };
    }
    return { created: true, message: storedMessage(input, inserted) };
  }

  /**
   * Commits every message in one statement, their seqs in input order per room; resolves to their
   * results in input order. All or nothing: on any error (a repeated clientMsgId included) nothing is
   * stored and the caller appends them one by one to learn each message's own outcome.
   */
  async appendBatch(inputs: readonly NewMessage[]): Promise<AppendResult[]> {
    const count = inputs.length;
    const rooms = new Array<string>(count);
    const userIds = new Array<string>(count);
    const userNames = new Array<string>(count);
    const texts = new Array<string>(count);
    const clientMsgIds = new Array<string | null>(count);
    for (let i = 0; i < count; i++) {
      const input = inputs[i];
      rooms[i] = input.room;
      userIds[i] = input.userId;
      userNames[i] = input.userName;
      texts[i] = input.text;
      clientMsgIds[i] = input.clientMsgId;
    }
    const rows = await poolRows<BatchInsertedRow>(this.dataSource, APPEND_BATCH_SQL, [
      rooms,
      userIds,
      userNames,
      texts,
      clientMsgIds,
    ]);
    // RETURNING promises no order: within a room, the messages in input order hold its seqs ascending.
    const byRoom = new Map<string, BatchInsertedRow[]>();
    for (const row of rows) {
      const roomRows = byRoom.get(row.room);
      if (roomRows) roomRows.push(row);
      else byRoom.set(row.room, [row]);
    }
    for (const roomRows of byRoom.values()) roomRows.sort((a, b) => Number(a.seq) - Number(b.seq));
    const taken = new Map<string, number>();
    return inputs.map((input) => {
      const index = taken.get(input.room) ?? 0;
      taken.set(input.room, index + 1);
      const inserted = (byRoom.get(input.room) as BatchInsertedRow[])[index];
      return { created: true, message: storedMessage(input, inserted) };
    });
  }

  /**
   * One page in ascending seq order. Without cursors: the newest `limit`. Because sequence numbers have
   * no gaps, `hasMore` is derived from the seqs returned, so the query reads only the rows it returns.
   */
  async page(room: string, query: PageQuery): Promise<MessagePage> {
    const statement = pageStatement(room, query);
    const rows = await this.messageRows<MessageRow>(statement.page, statement.values);
    return this.pageOf(room, query, rows, statement.descending);
  }

  /**
   * `page`, and the reader's standing in the room (what `RoomStore.standing` reads): two statements
   * written at once on one pooled connection (pg's pipeline mode), so a checked read is one round trip
   * and one connection. Joined into one statement (a full join and a sort, planned per call) they
   * cost PostgreSQL two to three times what the two cost apart.
   */
  async readerPage(room: string, userId: string, query: PageQuery): Promise<ReaderPage> {
    const statement = pageStatement(room, query);
    const [[standing], rows] = await onPooledClient(this.dataSource, (client) =>
      Promise.all([
        this.messageRows<StandingColumns>(STANDING, [room, userId], client),
        this.messageRows<MessageRow>(statement.page, statement.values, client),
      ]),
    );
    return {
      standing: standingOfColumns(room, standing),
      page: await this.pageOf(room, query, rows, statement.descending),
    };
  }

  /**
   * Message rows (with `TEXT_VALUES`) from a prepared read, on the pool or on a checked-out `client`.
   * Errors are pg's own, not wrapped in QueryFailedError.
   */
  private messageRows<R extends QueryResultRow>(
    { name, text }: PreparedRead,
    values: unknown[],
    client: ClientBase | Pool = poolOf(this.dataSource),
  ): Promise<R[]> {
    return clientRows<R>(client, { name, text, values, types: TEXT_VALUES });
  }

  private async pageOf(
    room: string,
    { before, after }: PageQuery,
    rows: MessageRow[],
    descending: boolean,
  ): Promise<MessagePage> {
    if (descending) rows.reverse();
    if (after !== undefined) {
      const last = rows.at(-1);
      const hasMore =
        last !== undefined &&
        (before !== undefined
          ? Number(last.seq) < before - 1
          : Number(last.seq) < (await this.lastSeq(room)));
      return { ...splitRows(rows), hasMore };
    }
    return {
      messages: rows.map(toHistoryMessage),
      // Seq 1 is always a message (a change follows its target), so a first row past it has older messages.
      hasMore: rows.length > 0 && Number(rows[0].seq) > 1,
    };
  }

  /** Replaces the text of the changer's own message; `forbidden` for another user's. */
  async edit(
    room: string,
    id: string,
    text: string,
    changer: MessageChanger,
  ): Promise<ChangeOutcome<MessageEditedFrame>> {
    if (BigInt(id) > MAX_MESSAGE_ID) return { outcome: 'not_found' };
    const [row] = await poolRows<ChangedRow>(this.dataSource, EDIT_SQL, [
      room,
      id,
      changer.userId,
      changer.userName,
      text,
    ]);
    if (row) {
      const editedAt = row.created_at.getTime();
      const seq = Number(row.seq);
      return {
        outcome: 'changed',
        created: true,
        event: { type: 'message_edited', room, id, seq, text, editedAt },
      };
    }
    const target = await this.target(room, id);
    // A deleted message has no text left to edit.
    if (!target || target.deleted_at) return { outcome: 'not_found' };
    return { outcome: target.user_id === changer.userId ? 'not_found' : 'forbidden' };
  }

  /**
   * Deletes the changer's own message, or anyone's when `mayDeleteOthers`. Deleting a deleted message
   * stores nothing and answers its first delete, so a retried delete succeeds.
   */
  async delete(
    room: string,
    id: string,
    changer: MessageChanger,
  ): Promise<ChangeOutcome<MessageDeletedFrame>> {
    if (BigInt(id) > MAX_MESSAGE_ID) return { outcome: 'not_found' };
    const [row] = await poolRows<ChangedRow>(this.dataSource, DELETE_SQL, [
      room,
      id,
      changer.userId,
      changer.userName,
      changer.mayDeleteOthers === true,
    ]);
    if (row) {
      return {
        outcome: 'changed',
        created: true,
        event: { type: 'message_deleted', room, id, seq: Number(row.seq) },
      };
    }
    const target = await this.target(room, id);
    if (!target) return { outcome: 'not_found' };
    const mayDelete = target.user_id === changer.userId || changer.mayDeleteOthers === true;
    if (!target.deleted_at || !mayDelete) return { outcome: 'forbidden' };
    const [deletion] = await poolRows<{ seq: string }>(this.dataSource, DELETE_EVENT_SQL, [
      room,
      target.seq,
      id,
    ]);
    return {
      outcome: 'changed',
      created: false,
      event: { type: 'message_deleted', room, id, seq: Number(deletion.seq) },
    };
  }

  private async target(room: string, id: string): Promise<TargetRow | undefined> {
    const [row] = await poolRows<TargetRow>(this.dataSource, TARGET_SQL, [room, id]);
    return row;
  }

  async lastSeq(room: string): Promise<number> {
    const rows = await poolRows<{ last_seq: string }>(
      this.dataSource,
      'SELECT last_seq FROM room_sequences WHERE room = $1',
      [room],
    );
    return rows.length ? Number(rows[0].last_seq) : 0;
  }

  /** `lastSeq` of each room, in one statement; a room without messages is absent (its last seq is 0). */
  async lastSeqs(rooms: readonly string[]): Promise<Map<string, number>> {
    const rows = await poolRows<{ room: string; last_seq: string }>(
      this.dataSource,
      'SELECT room, last_seq FROM room_sequences WHERE room = ANY($1::text[])',
      [rooms],
    );
    return new Map(rows.map((row) => [row.room, Number(row.last_seq)]));
  }
}
