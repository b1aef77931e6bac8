import { Injectable } from '@nestjs/common';
import { Notification, NotificationBatch, NotificationReadState } from '@switchboard/protocol';
import { DataSource, MoreThan, Repository } from 'typeorm';
import { clientRows, onPooledClient, poolRows } from './data-source';
import { NotificationEntity } from './entities';

export interface NewNotification {
  type: string;
  title: string;
  body: string;
  data?: unknown;
}

interface StoredContentRow {
  id: string;
  created_at: Date;
  owed_before: boolean;
}

/**
 * Announces a stored publish while its recipients' locks are held; resolves whether the announcement
 * went out. `owedBefore`: an earlier notification to some of the same lock buckets was committed and
 * never announced, so the streams must catch up from PostgreSQL before this one reaches them.
 */
export type AnnounceNotification = (
  batch: NotificationBatch,
  owedBefore: boolean,
) => Promise<boolean>;

/**
 * Concurrent publishes to a user take that user's bucket lock before their id, so a user's ids are
 * handed out in commit order: a stream that has seen id N never later misses an id below N. Buckets
 * (not one lock per user) keep a publish to 10,000 users at 64 locks, well inside PostgreSQL's lock table.
 */
const RECIPIENT_LOCK_BUCKETS = 64;
/** The advisory lock class of the recipient buckets (the first key of the two-key form). */
export const RECIPIENT_LOCK_CLASS = 1_764_810;

/** The recipient's lock bucket: FNV-1a of the user id's UTF-16 code units, the same on every instance. */
export function recipientLockBucket(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) hash = Math.imul(hash ^ userId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % RECIPIENT_LOCK_BUCKETS;
}

/** The distinct buckets of the recipients, ascending: concurrent publishes lock in one order and cannot deadlock. */
function lockBuckets(recipients: readonly string[]): number[] {
  const taken = new Uint8Array(RECIPIENT_LOCK_BUCKETS);
  for (const userId of recipients) taken[recipientLockBucket(userId)] = 1;
  const buckets: number[] = [];
  for (let bucket = 0; bucket < RECIPIENT_LOCK_BUCKETS; bucket++)
    if (taken[bucket]) buckets.push(bucket);
  return buckets;
}

// Session locks (not transaction locks): they are held past the commit, until the publish has been
// announced, so each user's notifications reach the bus in id order. unnest keeps the array's order,
// so the locks are taken in ascending bucket order.
const LOCK_RECIPIENTS_SQL = `
  SELECT count(pg_advisory_lock(${RECIPIENT_LOCK_CLASS}, bucket))
  FROM unnest($1::int[]) bucket`;
const UNLOCK_ALL_SQL = 'SELECT pg_advisory_unlock_all()';

// The content once, every recipient under its id, and the announcement it owes, in one statement.
// The main query reads the snapshot from before the statement: `owed_before` sees other publishes'
// rows only, and under these buckets' locks those publishers are gone or failed to announce.
const STORE_SQL = `
  WITH content AS (
    INSERT INTO notification_contents (type, title, body, data)
    VALUES ($2, $3, $4, $5::jsonb)
    RETURNING id, created_at),
  inbox AS (
    INSERT INTO notification_inbox (user_id, notification_id)
    SELECT user_id, content.id FROM content, json_array_elements_text($1::json) user_id),
  owed AS (
    INSERT INTO notification_announcements_owed (notification_id, buckets)
    SELECT id, $6::int[] FROM content WHERE cardinality($6::int[]) > 0)
  SELECT id::text AS id, created_at,
    EXISTS (SELECT 1 FROM notification_announcements_owed WHERE buckets && $6::int[]) AS owed_before
  FROM content`;
/**
 * Ours and any earlier owed row of these buckets (the announcement just made came after the catch-up
 * signal that settled them), committed before the locks go so the next holder does not take it for a
 * dead publisher's; then the locks, in the same round trip. The buckets are our own integers, written
 * into the text because a message of several statements takes no parameters.
 */
function settleOwedAndUnlockSql(buckets: readonly number[]): string {
  return `BEGIN;
    DELETE FROM notification_announcements_owed WHERE buckets && '{${buckets.join(',')}}'::int[];
    COMMIT;
    ${UNLOCK_ALL_SQL}`;
}

const OWED_SQL = `
  SELECT notification_id::text AS id, buckets FROM notification_announcements_owed
  ORDER BY notification_id LIMIT 100`;
// Never waits: a bucket still locked belongs to a publisher that will settle its row itself.
const TRY_LOCK_SQL = `
  SELECT coalesce(array_agg(bucket) FILTER (
    WHERE pg_try_advisory_lock(${RECIPIENT_LOCK_CLASS}, bucket)), '{}') AS taken
  FROM unnest($1::int[]) bucket`;
const UNLOCK_SQL = `
  SELECT count(pg_advisory_unlock(${RECIPIENT_LOCK_CLASS}, bucket)) FROM unnest($1::int[]) bucket`;

function toNotification(row: NotificationEntity): Notification {
  return {
    id: row.id,
    userId: row.userId,
    type: row.type,
    title: row.title,
    body: row.body,
    data: row.data ?? null,
    ts: row.createdAt.getTime(),
  };
}

// A user without a recipient row has never marked anything read: position 0.
const READ_STATE_SQL = `
  SELECT COALESCE(r.last_read_id, 0)::text AS last_read_id,
         (SELECT count(*) FROM notification_inbox i
          WHERE i.user_id = $1 AND i.notification_id > COALESCE(r.last_read_id, 0)) AS unread
  FROM (SELECT $1::varchar AS user_id) u
  LEFT JOIN notification_recipients r ON r.user_id = u.user_id`;

// Forward only, clamped to the user's newest notification; no row when nothing moved. A user's
// recipient row is made by their first move.
const ADVANCE_READ_SQL = `
  INSERT INTO notification_recipients AS r (user_id, last_read_id)
  SELECT $1, target.id
  FROM (SELECT LEAST($2::bigint, COALESCE(
          (SELECT max(notification_id) FROM notification_inbox WHERE user_id = $1), 0)) AS id) target
  WHERE target.id > 0
  ON CONFLICT (user_id) DO UPDATE SET last_read_id = EXCLUDED.last_read_id
  WHERE r.last_read_id < EXCLUDED.last_read_id
  RETURNING r.last_read_id`;

/**
 * Notifications in PostgreSQL: each publish's content stored once with its recipients, under one id
 * that grows in commit order for each of them.
 */
@Injectable()
export class NotificationStore {
  private readonly notifications: Repository<NotificationEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.notifications = dataSource.getRepository(NotificationEntity);
  }

  /**
   * Stores a notification for each user (duplicates in `userIds` count once): the content once, each
   * recipient under its one id. Resolves after commit with the content and each recipient's id, in the
   * order of the sorted, deduplicated recipients. `announce` runs after the commit while the
   * recipients' locks are still held: a later publish to any of them waits for it, so what it
   * announces (the live delivery) reaches every stream in each user's id order. Until it has
   * announced, the notification is owed in PostgreSQL: a publisher that dies in between, or whose
   * announcement fails, leaves the row for the next publish or `settleOwed` to act on.
   */
  async publish(
    userIds: readonly string[],
    content: NewNotification,
    announce?: AnnounceNotification,
  ): Promise<NotificationBatch> {
    const recipients = [...new Set(userIds)].sort();
    const buckets = lockBuckets(recipients);
    const data = content.data === undefined ? null : JSON.stringify(content.data);
    return onPooledClient(this.dataSource, async (client, fail) => {
      await clientRows(client, { text: LOCK_RECIPIENTS_SQL, values: [buckets] });
      // One statement, so it commits on its own, atomically.
      const [stored] = await clientRows<StoredContentRow>(client, {
        text: STORE_SQL,
        values: [
          // As JSON: node-postgres escapes an array element by element, ~4x the time for 10,000 users.
          JSON.stringify(recipients),
          content.type,
          content.title,
          content.body,
          data,
          buckets,
        ],
      });
      const batch: NotificationBatch = {
        content: {
          type: content.type,
          title: content.title,
          body: content.body,
          data: content.data ?? null,
          ts: stored.created_at.getTime(),
        },
        recipients: recipients.map((userId) => ({ id: stored.id, userId })),
      };
      const announced = announce !== undefined && (await announce(batch, stored.owed_before));
      // Stored is delivered: from here on a failure is the connection's, not the caller's, and the
      // pool destroys the connection with its session locks.
      await clientRows(client, {
        text: announced ? settleOwedAndUnlockSql(buckets) : UNLOCK_ALL_SQL,
      }).catch(fail);
      return batch;
    });
  }

  /**
   * Settles the announcements owed by publishers that no longer hold their buckets' locks (they died
   * after their commit, or their bus refused): `tell` (every stream catches up from PostgreSQL) runs
   * while this holds those locks, so no later notification of theirs is announced before it. Resolves
   * with how many were settled; a row whose buckets are locked is left to its holder.
   */
  async settleOwed(tell: () => Promise<void>): Promise<number> {
    const owed = await poolRows<{ id: string; buckets: number[] }>(this.dataSource, OWED_SQL);
    if (owed.length === 0) return 0;
    return onPooledClient(this.dataSource, async (client) => {
      try {
        const locked: string[] = [];
        for (const { id, buckets } of owed) {
          const [{ taken }] = await clientRows<{ taken: number[] }>(client, {
            text: TRY_LOCK_SQL,
            values: [buckets],
          });
          if (taken.length === buckets.length) locked.push(id);
          else await clientRows(client, { text: UNLOCK_SQL, values: [taken] });
        }
        // A row settled by its publisher between the read and the locks is gone by now.
        const settled = await clientRows(client, {
          text: 'SELECT notification_id FROM notification_announcements_owed WHERE notification_id = ANY($1::bigint[])',
          values: [locked],
        });
        if (settled.length === 0) return 0;
        await tell();
        await clientRows(client, {
          text: 'DELETE FROM notification_announcements_owed WHERE notification_id = ANY($1::bigint[])',
          values: [locked],
        });
        return settled.length;
      } finally {
        await clientRows(client, { text: UNLOCK_ALL_SQL });
      }
    });
  }

  /** The id of the user's newest notification, '0' when there is none. */
  async newestId(userId: string): Promise<string> {
    const rows = await poolRows<{ id: string | null }>(
      this.dataSource,
      'SELECT max(notification_id)::text AS id FROM notification_inbox WHERE user_id = $1',
      [userId],
    );
    return rows[0]?.id ?? '0';
  }

  /** How far the user has read, and how many of their notifications come after it. */
  async readState(userId: string): Promise<NotificationReadState> {
    const [row] = await poolRows<{ last_read_id: string; unread: string }>(
      this.dataSource,
      READ_STATE_SQL,
      [userId],
    );
    return { lastReadId: row.last_read_id, unread: Number(row.unread) };
  }

  /**
   * Marks the user's notifications read up to `lastReadId` (never back; past their newest is their
   * newest). The state now, and whether the position moved.
   */
  async markRead(
    userId: string,
    lastReadId: string,
  ): Promise<NotificationReadState & { moved: boolean }> {
    const rows = await poolRows(this.dataSource, ADVANCE_READ_SQL, [userId, lastReadId]);
    return { ...(await this.readState(userId)), moved: rows.length > 0 };
  }

  /** The user's notifications with an id greater than `afterId`, oldest first. */
  async listAfter(userId: string, afterId: string, limit: number): Promise<Notification[]> {
    const rows = await this.notifications.find({
      where: { userId, id: MoreThan(afterId) },
      order: { id: 'ASC' },
      take: limit,
    });
    return rows.map(toNotification);
  }
}
