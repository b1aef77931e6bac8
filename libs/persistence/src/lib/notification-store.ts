import { Injectable } from '@nestjs/common';
import { Notification, NotificationBatch, NotificationReadState } from '@switchboard/protocol';
import { DataSource, MoreThan, Repository } from 'typeorm';
import { NotificationEntity } from './entities';

export interface NewNotification {
  type: string;
  title: string;
  body: string;
  data?: unknown;
}

interface InsertedNotificationRow {
  id: string;
  user_id: string;
  created_at: Date;
}

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

// A user without a recipient row was never notified: nothing to read, position 0.
const READ_STATE_SQL = `
  SELECT COALESCE(r.last_read_id, 0)::text AS last_read_id,
         (SELECT count(*) FROM notifications n
          WHERE n.user_id = $1 AND n.id > COALESCE(r.last_read_id, 0)) AS unread
  FROM (SELECT $1::varchar AS user_id) u
  LEFT JOIN notification_recipients r ON r.user_id = u.user_id`;

// Forward only, clamped to the user's newest notification; no row when nothing moved.
const ADVANCE_READ_SQL = `
  UPDATE notification_recipients r SET last_read_id = target.id
  FROM (SELECT LEAST($2::bigint,
          COALESCE((SELECT max(id) FROM notifications WHERE user_id = $1), 0)) AS id) target
  WHERE r.user_id = $1 AND r.last_read_id < target.id
  RETURNING r.last_read_id`;

/** Per-user notifications in PostgreSQL, with ids that grow in commit order for each user. */
@Injectable()
export class NotificationStore {
  private readonly notifications: Repository<NotificationEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.notifications = dataSource.getRepository(NotificationEntity);
  }

  /**
   * Stores one notification per user (duplicates in `userIds` count once); resolves after commit with
   * the content and each recipient's id, in the order of the sorted, deduplicated recipients.
   */
  async publish(userIds: readonly string[], content: NewNotification): Promise<NotificationBatch> {
    // Sorted so that concurrent publishes lock recipients in the same order and cannot deadlock.
    const recipients = [...new Set(userIds)].sort();
    const data = content.data === undefined ? null : JSON.stringify(content.data);
    const rows = await this.dataSource.transaction(async (manager) => {
      // Lock each recipient before taking ids: a user's ids are then handed out in commit order.
      await manager.query(
        `INSERT INTO notification_recipients (user_id) SELECT unnest($1::varchar[])
         ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id`,
        [recipients],
      );
      return manager.query<InsertedNotificationRow[]>(
        `INSERT INTO notifications (user_id, type, title, body, data)
         SELECT unnest($1::varchar[]), $2, $3, $4, $5::jsonb
         RETURNING id, user_id, created_at`,
        [recipients, content.type, content.title, content.body, data],
      );
    });
    return {
      content: {
        type: content.type,
        title: content.title,
        body: content.body,
        data: content.data ?? null,
        // One statement, one transaction: every row has the same created_at (now() is the transaction's).
        ts: rows[0].created_at.getTime(),
      },
      recipients: rows.map((row) => ({ id: String(row.id), userId: row.user_id })),
    };
  }

  /** The id of the user's newest notification, '0' when there is none. */
  async newestId(userId: string): Promise<string> {
    const rows = await this.dataSource.query<{ id: string | null }[]>(
      'SELECT max(id)::text AS id FROM notifications WHERE user_id = $1',
      [userId],
    );
    return rows[0]?.id ?? '0';
  }

  /** How far the user has read, and how many of their notifications come after it. */
  async readState(userId: string): Promise<NotificationReadState> {
    const [row] = await this.dataSource.query<{ last_read_id: string; unread: string }[]>(
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
    const [rows] = await this.dataSource.query<[unknown[], number]>(ADVANCE_READ_SQL, [
      userId,
      lastReadId,
    ]);
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
