import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CancelReasonAndAttention1764300000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE bookings ADD COLUMN cancel_reason text, ADD COLUMN attention text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE bookings DROP COLUMN cancel_reason, DROP COLUMN attention`);
  }
}
