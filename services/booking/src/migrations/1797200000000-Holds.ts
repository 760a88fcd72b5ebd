import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Holds live beside bookings, under the same exclusion constraint, and end by time alone: every
 * row is alive over a span (a booking from its creation on, a hold until its expiry), and two rows
 * conflict only where their held spans and their alive spans both meet. A hold past its expiry so
 * blocks nothing, with no job needed to end it.
 */
export class Holds1797200000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap`);
    await db.query(`ALTER TABLE bookings DROP CONSTRAINT bookings_status_check`);
    await db.query(
      `ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
         CHECK (status IN ('pending', 'confirmed', 'cancelled', 'failed', 'held', 'released', 'expired'))`,
    );
    await db.query(
      `ALTER TABLE bookings ALTER COLUMN customer_name DROP NOT NULL, ALTER COLUMN customer_phone DROP NOT NULL`,
    );
    await db.query(
      `ALTER TABLE bookings ADD CONSTRAINT bookings_customer
         CHECK (status IN ('held', 'released', 'expired') OR (customer_name IS NOT NULL AND customer_phone IS NOT NULL))`,
    );
    await db.query(`ALTER TABLE bookings ADD COLUMN alive tstzrange NOT NULL DEFAULT tstzrange(now(), NULL, '[)')`);
    await db.query(
      `ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
         EXCLUDE USING gist (calendar_id WITH =, held WITH &&, alive WITH &&) WHERE (status IN ('pending', 'confirmed', 'held'))`,
    );
    await db.query(`CREATE INDEX bookings_holds_ending ON bookings (upper(alive)) WHERE status = 'held'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM bookings WHERE status IN ('held', 'released', 'expired')`);
    await db.query(`ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap`);
    await db.query(`DROP INDEX bookings_holds_ending`);
    await db.query(`ALTER TABLE bookings DROP COLUMN alive`);
    await db.query(`ALTER TABLE bookings DROP CONSTRAINT bookings_customer`);
    await db.query(
      `ALTER TABLE bookings ALTER COLUMN customer_name SET NOT NULL, ALTER COLUMN customer_phone SET NOT NULL`,
    );
    await db.query(`ALTER TABLE bookings DROP CONSTRAINT bookings_status_check`);
    await db.query(
      `ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN ('pending', 'confirmed', 'cancelled', 'failed'))`,
    );
    await db.query(
      `ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
         EXCLUDE USING gist (calendar_id WITH =, held WITH &&) WHERE (status IN ('pending', 'confirmed'))`,
    );
  }
}
