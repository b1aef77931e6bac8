import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who may use a room: `rooms` (open, private or direct, with a direct room's two users in canonical
 * order), `room_members` (role and read position, for private rooms' access and every user's inbox)
 * and `users` (the last name each user connected with, for people who are not online).
 */
export class RoomAccess1764300000000 implements MigrationInterface {
  name = 'RoomAccess1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE rooms (
        room varchar(64) PRIMARY KEY,
        access varchar(16) NOT NULL CHECK (access IN ('open', 'private', 'direct')),
        title varchar(200),
        direct_user_a varchar(255),
        direct_user_b varchar(255),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT rooms_direct_pair_check CHECK (
          (access = 'direct') = (direct_user_a IS NOT NULL AND direct_user_b IS NOT NULL)
          AND (direct_user_a IS NULL OR direct_user_a <> direct_user_b)
        )
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX rooms_direct_pair_key ON rooms (direct_user_a, direct_user_b) WHERE access = 'direct'`,
    );
    await queryRunner.query(`
      CREATE TABLE room_members (
        room varchar(64) NOT NULL REFERENCES rooms (room) ON DELETE CASCADE,
        user_id varchar(255) NOT NULL,
        role varchar(16) NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
        last_read_seq bigint NOT NULL DEFAULT 0,
        joined_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (room, user_id)
      )`);
    await queryRunner.query(`CREATE INDEX room_members_user_id_idx ON room_members (user_id)`);
    await queryRunner.query(`
      CREATE TABLE users (
        id varchar(255) PRIMARY KEY,
        name varchar(255) NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Rooms in use before access control existed stay open whatever ROOMS_OPEN_BY_DEFAULT says; `dm:`
    // is reserved for direct rooms, so no other room may hold an id a direct room could take.
    await queryRunner.query(
      `INSERT INTO rooms (room, access) SELECT room, 'open' FROM room_sequences WHERE room NOT LIKE 'dm:%'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE users`);
    await queryRunner.query(`DROP TABLE room_members`);
    await queryRunner.query(`DROP TABLE rooms`);
  }
}
