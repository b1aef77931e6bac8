import { Injectable } from '@nestjs/common';
import { RoomAccess, RoomRole } from '@switchboard/protocol';
import type { QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { poolRows } from './data-source';
import { ReadPositionRecord, UNREAD_AFTER } from './read-state-store';

/** A room's row: who may use it. */
export interface RoomRecord {
  room: string;
  access: RoomAccess;
  title: string | null;
  /** A direct room's two users in canonical order (by UTF-16 code units, smaller first); null otherwise. */
  directUsers: readonly [string, string] | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

export interface MemberRecord {
  userId: string;
  role: RoomRole;
  lastReadSeq: number;
}

/** What decides whether one user may use one room: the room's row and the user's membership, if any. */
export interface RoomStanding {
  room: RoomRecord | null;
  member: MemberRecord | null;
}

interface RoomRow {
  room: string;
  access: RoomAccess;
  title: string | null;
  direct_user_a: string | null;
  direct_user_b: string | null;
  created_at: Date;
}

interface MemberRow {
  user_id: string;
  role: RoomRole;
  last_read_seq: string;
}

/** Exported for its plan's test only. */
export const DIRECT_PARTNERS_SQL = `
  SELECT CASE WHEN direct_user_a = $1 THEN direct_user_b ELSE direct_user_a END AS partner
  FROM rooms WHERE access = 'direct' AND (direct_user_a = $1 OR direct_user_b = $1)`;

const ROOM_COLUMNS = 'room, access, title, direct_user_a, direct_user_b, created_at';

function toRoom(row: RoomRow): RoomRecord {
  return {
    room: row.room,
    access: row.access,
    title: row.title,
    directUsers:
      row.direct_user_a !== null && row.direct_user_b !== null
        ? [row.direct_user_a, row.direct_user_b]
        : null,
    createdAt: row.created_at.getTime(),
  };
}

function toMember(row: MemberRow): MemberRecord {
  return { userId: row.user_id, role: row.role, lastReadSeq: Number(row.last_read_seq) };
}

/** What a join checks (the standing) and what its reply tells (the read position). */
export interface JoinStanding {
  standing: RoomStanding;
  position: ReadPositionRecord;
}

type JoinStandingRow = Partial<RoomRow> & Partial<MemberRow> & { unread: string };

function toJoinStanding(row: JoinStandingRow): JoinStanding {
  const member = row.user_id ? toMember(row as MemberRow) : null;
  return {
    standing: { room: row.access ? toRoom(row as RoomRow) : null, member },
    position: { lastReadSeq: member?.lastReadSeq ?? 0, unread: Number(row.unread) },
  };
}

type StandingRow = Partial<RoomRow> & Partial<MemberRow>;

function toStanding(row: StandingRow): RoomStanding {
  return {
    room: row.access ? toRoom(row as RoomRow) : null,
    member: row.user_id ? toMember(row as MemberRow) : null,
  };
}

/**
 * The standing of the room `$1` for the user `$2`, read beside a page (`MessageStore.readerPage`).
 * One row whether or not the room or the membership exists: the LEFT JOINs on the two primary keys
 * keep it.
 */
export const STANDING_SQL = `SELECT r.access, r.title, r.direct_user_a, r.direct_user_b,
    floor(extract(epoch FROM r.created_at) * 1000)::bigint AS room_created_ms,
    m.user_id AS member_id, m.role, m.last_read_seq
  FROM (SELECT 1) AS pair LEFT JOIN rooms r ON r.room = $1
  LEFT JOIN room_members m ON m.room = $1 AND m.user_id = $2`;

/** The columns of `STANDING_SQL`, every value PostgreSQL's text (`MessageStore`'s reads). */
export interface StandingColumns {
  access: RoomAccess | null;
  title: string | null;
  direct_user_a: string | null;
  direct_user_b: string | null;
  room_created_ms: string | null;
  member_id: string | null;
  role: RoomRole | null;
  last_read_seq: string | null;
}

/** The standing of `room` read by `STANDING_SQL`. */
export function standingOfColumns(room: string, row: StandingColumns): RoomStanding {
  return {
    room:
      row.access === null
        ? null
        : toRoom({
            room,
            access: row.access,
            title: row.title,
            direct_user_a: row.direct_user_a,
            direct_user_b: row.direct_user_b,
            created_at: new Date(Number(row.room_created_ms)),
          }),
    member:
      row.member_id === null
        ? null
        : toMember({
            user_id: row.member_id,
            role: row.role as RoomRole,
            last_read_seq: row.last_read_seq as string,
          }),
  };
}

/** A (room, user) pair waiting for the next read. */
interface PairAsk<S> {
  room: string;
  userId: string;
  resolve: (result: S) => void;
  reject: (error: unknown) => void;
}

/**
 * Reads of (room, user) pairs by one statement over arrays of rooms and users, one row per pair in
 * the order asked. Pairs asked while a read is under way are read together in one statement after
 * it, so concurrent asks cost one round trip per read, not one each; each is still read after it
 * was asked, and a lone ask is read at once.
 */
class BatchedPairReads<Row extends QueryResultRow, S> {
  private asked: PairAsk<S>[] = [];
  private reading = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: string,
    private readonly toResult: (row: Row) => S,
  ) {}

  read(room: string, userId: string): Promise<S> {
    return new Promise((resolve, reject) => {
      this.asked.push({ room, userId, resolve, reject });
      if (!this.reading) void this.readAsked();
    });
  }

  private async readAsked(): Promise<void> {
    this.reading = true;
    while (this.asked.length > 0) {
      const asked = this.asked;
      this.asked = [];
      try {
        const rows = await poolRows<Row>(this.dataSource, this.sql, [
          asked.map((ask) => ask.room),
          asked.map((ask) => ask.userId),
        ]);
        asked.forEach((ask, i) => ask.resolve(this.toResult(rows[i])));
      } catch (error) {
        for (const ask of asked) ask.reject(error);
      }
    }
    this.reading = false;
  }
}

// One row per (room, user) asked, in the order asked, whether or not the room or the membership
// exists: the LEFT JOINs on the two primary keys keep each.
const STANDINGS_SQL = `
  SELECT r.room, r.access, r.title, r.direct_user_a, r.direct_user_b, r.created_at,
         m.user_id, m.role, m.last_read_seq
  FROM unnest($1::varchar[], $2::varchar[]) WITH ORDINALITY AS q(room, user_id, n)
  LEFT JOIN rooms r ON r.room = q.room
  LEFT JOIN room_members m ON m.room = q.room AND m.user_id = q.user_id
  ORDER BY q.n`;

// The standing and, for a join's reply, the read position: a user who is not a member yet has read
// nothing (a join that makes them one starts them at 0), so everything others sent is unread. One
// row per (room, user) asked, in the order asked: the LEFT JOINs on the two primary keys keep each.
const JOIN_STANDINGS_SQL = `
  SELECT r.room, r.access, r.title, r.direct_user_a, r.direct_user_b, r.created_at,
         m.user_id, m.role, m.last_read_seq,
         ${UNREAD_AFTER('q.room', 'COALESCE(m.last_read_seq, 0)', 'q.user_id')} AS unread
  FROM unnest($1::varchar[], $2::varchar[]) WITH ORDINALITY AS q(room, user_id, n)
  LEFT JOIN rooms r ON r.room = q.room
  LEFT JOIN room_members m ON m.room = q.room AND m.user_id = q.user_id
  ORDER BY q.n`;

// An unknown room is recorded as open (only open rooms are ever made by joining one).
const RECORD_MEMBER_SQL = `
  WITH known AS (
    INSERT INTO rooms (room, access) VALUES ($1, 'open') ON CONFLICT (room) DO NOTHING
  )
  INSERT INTO room_members (room, user_id) VALUES ($1, $2) ON CONFLICT (room, user_id) DO NOTHING`;

// `xmax = 0` only for a row this statement inserted. A direct room is never changed here.
const PUT_ROOM_SQL = `
  INSERT INTO rooms (room, access, title) VALUES ($1, $2, $3)
  ON CONFLICT (room) DO UPDATE
    SET access = EXCLUDED.access,
        title = CASE WHEN $4 THEN EXCLUDED.title ELSE rooms.title END
    WHERE rooms.access <> 'direct'
  RETURNING ${ROOM_COLUMNS}, (xmax = 0) AS created`;

const PUT_MEMBER_SQL = `
  INSERT INTO room_members (room, user_id, role) SELECT room, $2, $3 FROM rooms WHERE room = $1
  ON CONFLICT (room, user_id) DO UPDATE SET role = EXCLUDED.role
  RETURNING user_id, role, last_read_seq, (xmax = 0) AS created`;

// The room and both memberships in one statement; a pair that already has its room changes nothing.
const OPEN_DIRECT_SQL = `
  WITH made AS (
    INSERT INTO rooms (room, access, direct_user_a, direct_user_b) VALUES ($1, 'direct', $2, $3)
    ON CONFLICT DO NOTHING RETURNING room
  ), joined AS (
    INSERT INTO room_members (room, user_id) VALUES ($1, $2), ($1, $3)
    ON CONFLICT (room, user_id) DO NOTHING
  )
  SELECT count(*)::int AS created FROM made`;

/**
 * Rooms and their members in PostgreSQL: what access control reads on every join and HTTP request
 * (one round trip), and what the management API changes.
 */
@Injectable()
export class RoomStore {
  private readonly standingReads: BatchedPairReads<StandingRow, RoomStanding>;
  private readonly joinStandingReads: BatchedPairReads<JoinStandingRow, JoinStanding>;

  constructor(private readonly dataSource: DataSource) {
    this.standingReads = new BatchedPairReads(dataSource, STANDINGS_SQL, toStanding);
    this.joinStandingReads = new BatchedPairReads(dataSource, JOIN_STANDINGS_SQL, toJoinStanding);
  }

  /**
   * The room's row and the user's membership, in one round trip: what every HTTP send checks (a
   * read gets it with its page, `MessageStore.readerPage`). Standings asked while one is read are
   * read together after it (`BatchedPairReads`).
   */
  standing(room: string, userId: string): Promise<RoomStanding> {
    return this.standingReads.read(room, userId);
  }

  /**
   * The standing, and the read position the user has or (not a member yet) would start from, in
   * one round trip: what a join checks and what its reply tells. Joins asked while a read is under
   * way are read together in one statement after it, so a reconnect storm reads once per round
   * trip, not once per join.
   */
  joinStanding(room: string, userId: string): Promise<JoinStanding> {
    return this.joinStandingReads.read(room, userId);
  }

  async find(room: string): Promise<RoomRecord | null> {
    const rows = await poolRows<RoomRow>(
      this.dataSource,
      `SELECT ${ROOM_COLUMNS} FROM rooms WHERE room = $1`,
      [room],
    );
    return rows.length ? toRoom(rows[0]) : null;
  }

  /** The room's row and which of `userIds` are its members. */
  async standings(
    room: string,
    userIds: readonly string[],
  ): Promise<{ room: RoomRecord | null; members: Map<string, MemberRecord> }> {
    const [record, members] = await Promise.all([
      this.find(room),
      poolRows<MemberRow>(
        this.dataSource,
        `SELECT user_id, role, last_read_seq FROM room_members
         WHERE room = $1 AND user_id = ANY($2::varchar[])`,
        [room, userIds],
      ),
    ]);
    return {
      room: record,
      members: new Map(members.map((row) => [row.user_id, toMember(row)])),
    };
  }

  /** Makes the user a member (a no-op for a member), recording an unknown room as open. */
  async recordMember(room: string, userId: string): Promise<void> {
    await poolRows(this.dataSource, RECORD_MEMBER_SQL, [room, userId]);
  }

  /** Ends a membership; false if there was none. */
  async removeMember(room: string, userId: string): Promise<boolean> {
    const deleted = await poolRows(
      this.dataSource,
      'DELETE FROM room_members WHERE room = $1 AND user_id = $2 RETURNING user_id',
      [room, userId],
    );
    return deleted.length > 0;
  }

  /**
   * Creates or updates an open or private room; `title` undefined keeps the current one. Null when
   * the id is a direct room's, which this never changes.
   */
  async putRoom(
    room: string,
    access: 'open' | 'private',
    title: string | null | undefined,
  ): Promise<{ room: RoomRecord; created: boolean } | null> {
    const rows = await poolRows<RoomRow & { created: boolean }>(this.dataSource, PUT_ROOM_SQL, [
      room,
      access,
      title ?? null,
      title !== undefined,
    ]);
    return rows.length ? { room: toRoom(rows[0]), created: rows[0].created } : null;
  }

  /** Adds a member or changes their role; null when the room does not exist. */
  async putMember(
    room: string,
    userId: string,
    role: RoomRole,
  ): Promise<{ member: MemberRecord; created: boolean } | null> {
    const rows = await poolRows<MemberRow & { created: boolean }>(this.dataSource, PUT_MEMBER_SQL, [
      room,
      userId,
      role,
    ]);
    return rows.length ? { member: toMember(rows[0]), created: rows[0].created } : null;
  }

  /** Every member of the room, admins first, then by user id. */
  async members(room: string): Promise<MemberRecord[]> {
    const rows = await poolRows<MemberRow>(
      this.dataSource,
      `SELECT user_id, role, last_read_seq FROM room_members WHERE room = $1
       ORDER BY role = 'admin' DESC, user_id`,
      [room],
    );
    return rows.map(toMember);
  }

  /** Of `candidates`, those who are members of at least one room `userId` is a member of. */
  async sharingRoomWith(userId: string, candidates: string[]): Promise<Set<string>> {
    if (candidates.length === 0) return new Set();
    const rows = await poolRows<{ user_id: string }>(
      this.dataSource,
      `SELECT DISTINCT other.user_id FROM room_members mine
       JOIN room_members other ON other.room = mine.room
       WHERE mine.user_id = $1 AND other.user_id = ANY($2::varchar[])`,
      [userId, candidates],
    );
    return new Set(rows.map((row) => row.user_id));
  }

  /** The other users of every direct room of `userId`. */
  async directPartners(userId: string): Promise<string[]> {
    const rows = await poolRows<{ partner: string }>(this.dataSource, DIRECT_PARTNERS_SQL, [
      userId,
    ]);
    return rows.map((row) => row.partner);
  }

  /**
   * Makes the direct room of two users (their ids in canonical order, smaller first) and both
   * memberships, unless they exist; true when the room was made now.
   */
  async openDirect(room: string, users: readonly [string, string]): Promise<boolean> {
    const [{ created }] = await poolRows<{ created: number }>(this.dataSource, OPEN_DIRECT_SQL, [
      room,
      users[0],
      users[1],
    ]);
    return created > 0;
  }
}
