import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EventSweep1797600000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // When the provider event of an undone booking was deleted once more, after its grace period.
    await db.query(`ALTER TABLE bookings ADD COLUMN event_swept_at timestamptz`);
    // Bookings undone before the sweeper existed are not swept: their writes are long settled.
    await db.query(`UPDATE bookings SET event_swept_at = updated_at WHERE status = 'failed'`);
    await db.query(
      `CREATE INDEX bookings_unswept ON bookings (updated_at) WHERE status = 'failed' AND event_swept_at IS NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX bookings_unswept');
    await db.query('ALTER TABLE bookings DROP COLUMN event_swept_at');
  }
}
