import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OutboxClaims1764700000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // A relay claims rows for a while instead of holding row locks across its publishes.
    await db.query(`ALTER TABLE outbox ADD COLUMN claimed_until timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox DROP COLUMN claimed_until`);
  }
}
