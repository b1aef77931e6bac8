import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE room_sequences (
        room varchar(64) PRIMARY KEY,
        last_seq bigint NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE messages (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        room varchar(64) NOT NULL,
        seq bigint NOT NULL,
        user_id varchar(255) NOT NULL,
        user_name varchar(255) NOT NULL,
        text text NOT NULL,
        client_msg_id varchar(64),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX messages_room_seq_key ON messages (room, seq)`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX messages_client_msg_id_key ON messages (room, user_id, client_msg_id) WHERE client_msg_id IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE notifications (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id varchar(255) NOT NULL,
        type varchar(64) NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        data jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX notifications_user_id_id_idx ON notifications (user_id, id)`,
    );
    await queryRunner.query(`
      CREATE TABLE notification_recipients (
        user_id varchar(255) PRIMARY KEY
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification_recipients`);
    await queryRunner.query(`DROP TABLE notifications`);
    await queryRunner.query(`DROP TABLE messages`);
    await queryRunner.query(`DROP TABLE room_sequences`);
  }
}
