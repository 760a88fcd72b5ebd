import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Holds take time like bookings until they expire: a booked span may end by time alone. */
export class HeldSpans1797300000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE booked_spans ADD COLUMN expires_at timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE booked_spans DROP COLUMN expires_at`);
  }
}
