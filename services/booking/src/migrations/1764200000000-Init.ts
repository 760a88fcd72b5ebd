import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1764200000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public');
    await db.query(`
      CREATE TABLE bookings (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        service_id text NOT NULL,
        member_id text NOT NULL,
        calendar_id text NOT NULL,
        provider text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        held tstzrange NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'failed')),
        customer_name text NOT NULL,
        customer_phone text NOT NULL,
        notes text,
        transcript_url text,
        event_id text,
        -- Set when the attempt gave up: the reconciler must undo, not complete, this pending booking.
        abandoned boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (starts_at < ends_at),
        -- The last line of defence: two live bookings never hold overlapping time on one calendar,
        -- whatever happened to the locks in front of it.
        CONSTRAINT bookings_no_overlap EXCLUDE USING gist (calendar_id WITH =, held WITH &&)
          WHERE (status IN ('pending', 'confirmed'))
      )`);
    await db.query(`CREATE INDEX bookings_tenant_start ON bookings (tenant_id, starts_at, id)`);
    await db.query(`CREATE INDEX bookings_pending ON bookings (updated_at) WHERE status = 'pending'`);
    await db.query(`
      CREATE TABLE idempotency (
        tenant_id text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        booking_id uuid,
        reply jsonb,
        lease_until timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key)
      )`);
    // The highest lock revision that wrote for a calendar: a writer with an older one lost its lease.
    await db.query(`CREATE TABLE lock_fences (lock_key text PRIMARY KEY, revision bigint NOT NULL)`);
    await db.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        subject text NOT NULL,
        msg_id text NOT NULL UNIQUE,
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await db.query(`CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['outbox', 'lock_fences', 'idempotency', 'bookings']) await db.query(`DROP TABLE ${table}`);
  }
}
