import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A notification committed but not yet announced on the bus is owed: its row here is written in the
 * publish's own statement and removed once the announcement went out. A row whose publisher no longer
 * holds its recipients' lock buckets (it died, or the bus refused the announcement) tells the next
 * publisher to those buckets, or a sweeper, that the streams must catch up from PostgreSQL.
 */
export class OwedNotificationAnnouncements1764900000000 implements MigrationInterface {
  name = 'OwedNotificationAnnouncements1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Rows live for one announcement, so the table stays a few rows long: no index on `buckets`.
    await queryRunner.query(`
      CREATE TABLE notification_announcements_owed (
        notification_id bigint PRIMARY KEY,
        buckets int[] NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification_announcements_owed`);
  }
}
