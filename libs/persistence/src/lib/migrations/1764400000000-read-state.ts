import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read state: the (room, seq) index also carries each message's author, so an unread count (messages
 * after a read position that others sent) reads only the index entries after that position. It
 * replaces the old index under the same name, so each insert still updates one (room, seq) index.
 */
export class ReadState1764400000000 implements MigrationInterface {
  name = 'ReadState1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE UNIQUE INDEX messages_room_seq_author_key ON messages (room, seq) INCLUDE (user_id)`,
    );
    await queryRunner.query(`DROP INDEX messages_room_seq_key`);
    await queryRunner.query(
      `ALTER INDEX messages_room_seq_author_key RENAME TO messages_room_seq_key`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE UNIQUE INDEX messages_room_seq_plain_key ON messages (room, seq)`,
    );
    await queryRunner.query(`DROP INDEX messages_room_seq_key`);
    await queryRunner.query(
      `ALTER INDEX messages_room_seq_plain_key RENAME TO messages_room_seq_key`,
    );
  }
}
