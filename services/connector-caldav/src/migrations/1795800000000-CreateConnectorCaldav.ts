import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateConnectorCaldav1795800000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // A member's account at a CalDAV server. The username and password are sealed together
    // (AES-256-GCM, bound to the connection id), with the id of the key that sealed them.
    await db.query(`
      CREATE TABLE connections (
        connection_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        member_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('caldav', 'apple')),
        server_url text NOT NULL,
        principal_url text,
        home_url text,
        -- The member's zone when connected: for calendars that name none of their own.
        default_time_zone text NOT NULL,
        credentials_key_id text,
        credentials_sealed text,
        status text NOT NULL CHECK (status IN ('connected', 'needs_reauth', 'disconnected')),
        -- Set while the server cannot be reached: its member is left out of availability.
        unavailable_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status = 'disconnected' OR credentials_sealed IS NOT NULL)
      )`);
    await db.query(`CREATE INDEX connections_member ON connections (tenant_id, member_id)`);
    // The calendars of a connection, by the server's URL, with their role and poll state.
    await db.query(`
      CREATE TABLE calendars (
        calendar_id text PRIMARY KEY,
        connection_id text NOT NULL REFERENCES connections ON DELETE CASCADE,
        tenant_id text NOT NULL,
        member_id text NOT NULL,
        url text NOT NULL,
        name text NOT NULL,
        time_zone text NOT NULL,
        role text NOT NULL CHECK (role IN ('booking', 'blocking', 'ignored')),
        writable boolean NOT NULL,
        ctag text,
        sync_token text,
        -- When the server was asked for ctag and sync_token.
        markers_at timestamptz NOT NULL DEFAULT now(),
        next_poll_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (connection_id, url)
      )`);
    await db.query(`CREATE INDEX calendars_member ON calendars (tenant_id, member_id)`);
    await db.query(`CREATE INDEX calendars_due ON calendars (next_poll_at) WHERE role <> 'ignored'`);
    // At most one booking calendar per member, whatever the race.
    await db.query(
      `CREATE UNIQUE INDEX calendars_one_booking ON calendars (tenant_id, member_id) WHERE role = 'booking'`,
    );
    // The events of our bookings: where each is, and what we wrote, to tell when someone else
    // deleted or moved it.
    await db.query(`
      CREATE TABLE booking_events (
        calendar_id text NOT NULL REFERENCES calendars ON DELETE CASCADE,
        booking_id text NOT NULL,
        href text NOT NULL,
        etag text,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        sequence integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (calendar_id, booking_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE booking_events');
    await db.query('DROP TABLE calendars');
    await db.query('DROP TABLE connections');
  }
}
