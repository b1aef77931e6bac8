import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A publish is stored once: its content in `notification_contents` (the old `notifications` table,
 * its ids kept) and its recipients as narrow `notification_inbox` rows keyed (user_id, notification_id),
 * so every recipient of one publish shares its id. The view `notifications` keeps the per-user rows
 * readable as before (id, user_id, content).
 */
export class NotificationContentOnce1764810000000 implements MigrationInterface {
  name = 'NotificationContentOnce1764810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notifications RENAME TO notification_contents`);
    // No foreign key to the content: the store writes both in one transaction, and a key check per
    // recipient row would cost what this table saves.
    await queryRunner.query(`
      CREATE TABLE notification_inbox (
        user_id varchar(255) NOT NULL,
        notification_id bigint NOT NULL,
        PRIMARY KEY (user_id, notification_id)
      )`);
    await queryRunner.query(
      `INSERT INTO notification_inbox (user_id, notification_id)
       SELECT user_id, id FROM notification_contents`,
    );
    await queryRunner.query(`DROP INDEX notifications_user_id_id_idx`);
    await queryRunner.query(`ALTER TABLE notification_contents DROP COLUMN user_id`);
    await queryRunner.query(`
      CREATE VIEW notifications AS
      SELECT i.notification_id AS id, i.user_id, c.type, c.title, c.body, c.data, c.created_at
      FROM notification_inbox i JOIN notification_contents c ON c.id = i.notification_id`);
  }

  /**
   * Back to one row per recipient: a shared id becomes one id per recipient, renumbered from 1 in
   * (id, user) order, and read positions move to the renumbered ids.
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP VIEW notifications`);
    await queryRunner.query(`
      CREATE TABLE notifications (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id varchar(255) NOT NULL,
        type varchar(64) NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        data jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        shared_id bigint NOT NULL
      )`);
    await queryRunner.query(`
      INSERT INTO notifications (user_id, type, title, body, data, created_at, shared_id)
      SELECT i.user_id, c.type, c.title, c.body, c.data, c.created_at, c.id
      FROM notification_inbox i JOIN notification_contents c ON c.id = i.notification_id
      ORDER BY c.id, i.user_id`);
    await queryRunner.query(
      `CREATE INDEX notifications_user_id_id_idx ON notifications (user_id, id)`,
    );
    await queryRunner.query(`
      UPDATE notification_recipients r SET last_read_id = COALESCE(
        (SELECT max(n.id) FROM notifications n
         WHERE n.user_id = r.user_id AND n.shared_id <= r.last_read_id), 0)`);
    await queryRunner.query(`ALTER TABLE notifications DROP COLUMN shared_id`);
    // The old schema locked a recipient row per notified user; every notified user gets one again.
    await queryRunner.query(
      `INSERT INTO notification_recipients (user_id)
       SELECT DISTINCT user_id FROM notifications ON CONFLICT (user_id) DO NOTHING`,
    );
    await queryRunner.query(`DROP TABLE notification_inbox`);
    await queryRunner.query(`DROP TABLE notification_contents`);
  }
}
