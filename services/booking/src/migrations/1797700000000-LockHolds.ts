import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LockHolds1797700000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // Until when the holder of the latest token keeps the calendar, unless it renews.
    await db.query(`ALTER TABLE lock_fences ADD COLUMN held_until timestamptz NOT NULL DEFAULT '-infinity'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE lock_fences DROP COLUMN held_until');
  }
}
