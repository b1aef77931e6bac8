import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A user's direct partners are read on every connect and disconnect (their status goes to each):
 * the pair's unique index finds the rooms where the user is `direct_user_a`, this one those where
 * they are `direct_user_b`, so the lookup never scans every room.
 */
export class DirectPartnerIndex1764700000000 implements MigrationInterface {
  name = 'DirectPartnerIndex1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX rooms_direct_user_b_idx ON rooms (direct_user_b) WHERE access = 'direct'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX rooms_direct_user_b_idx`);
  }
}
