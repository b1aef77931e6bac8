import { Injectable } from '@nestjs/common';
import { Notification, NotificationBatch } from '@switchboard/protocol';
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
