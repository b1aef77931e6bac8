import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Edits and deletes: each is a row of `messages` with its own seq (`kind` 'edit' or 'delete', `target_id`
 * the message it changes), so one gap-free counter and the (room, seq) index serve messages and their
 * changes alike; the message's own row holds its current state (`edited_at`, `deleted_at`).
 */
export class MessageEdits1764500000000 implements MigrationInterface {
  name = 'MessageEdits1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE messages
        ADD COLUMN kind varchar(8) NOT NULL DEFAULT 'message'
          CONSTRAINT messages_kind_check CHECK (kind IN ('message', 'edit', 'delete')),
        ADD COLUMN target_id bigint,
        ADD COLUMN edited_at timestamptz,
        ADD COLUMN deleted_at timestamptz,
        ADD CONSTRAINT messages_target_check CHECK ((kind = 'message') = (target_id IS NULL))`);
    // Unread counts skip events: the (room, seq) index carries the kind beside the author, so a count
    // stays an index-only scan. Replaced under its name, so each insert still updates one such index.
    await queryRunner.query(
      `CREATE UNIQUE INDEX messages_room_seq_kind_key ON messages (room, seq) INCLUDE (user_id, kind)`,
    );
    await queryRunner.query(`DROP INDEX messages_room_seq_key`);
    await queryRunner.query(
      `ALTER INDEX messages_room_seq_kind_key RENAME TO messages_room_seq_key`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM messages WHERE kind <> 'message'`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX messages_room_seq_author_key ON messages (room, seq) INCLUDE (user_id)`,
    );
    await queryRunner.query(`DROP INDEX messages_room_seq_key`);
    await queryRunner.query(
      `ALTER INDEX messages_room_seq_author_key RENAME TO messages_room_seq_key`,
    );
    await queryRunner.query(`
      ALTER TABLE messages
        DROP CONSTRAINT messages_target_check,
        DROP COLUMN deleted_at,
        DROP COLUMN edited_at,
        DROP COLUMN target_id,
        DROP COLUMN kind`);
  }
}
