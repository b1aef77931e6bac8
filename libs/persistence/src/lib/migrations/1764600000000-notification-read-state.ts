import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification read state: each notified user's row in `notification_recipients` (the row locked while
 * their notifications are inserted) also holds how far they have read. Everything up to `last_read_id`
 * is read; the unread count is the user's notifications after it, read from (user_id, id).
 */
export class NotificationReadState1764600000000 implements MigrationInterface {
  name = 'NotificationReadState1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE notification_recipients ADD COLUMN last_read_id bigint NOT NULL DEFAULT 0`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification_recipients DROP COLUMN last_read_id`);
  }
}
