import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sync reads the calendar view instead of delta rounds: the round's start goes, and each
 * calendar's sync token (a delta link until now, a fingerprint of the view from now on) is
 * cleared, so the first view read sets it without reporting a change.
 */
export class ViewSync1797000000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE calendars DROP COLUMN sync_round_started_at');
    await db.query('UPDATE calendars SET sync_token = NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE calendars ADD COLUMN sync_round_started_at timestamptz');
  }
}
