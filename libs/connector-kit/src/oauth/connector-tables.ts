import type { QueryRunner } from 'typeorm';

/**
 * The tables every OAuth connector keeps, as the connectors' first migrations create them: that
 * SQL must not change, or a migration already run would differ from a fresh one.
 */
export async function createConnectionsTable(db: QueryRunner): Promise<void> {
  await db.query(`
      CREATE TABLE connections (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        member_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('connected', 'needs_reauth', 'disconnected')),
        scopes text NOT NULL DEFAULT '',
        credentials_key_id text,
        credentials_sealed text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  await db.query(
    `CREATE UNIQUE INDEX connections_one_per_member ON connections (tenant_id, member_id) WHERE status <> 'disconnected'`,
  );
}

/** The account's calendars; `syncStateColumns` are a provider's own, placed after sync_token. */
export async function createCalendarsTable(db: QueryRunner, syncStateColumns: string[] = []): Promise<void> {
  const extra = syncStateColumns.map((column) => `\n        ${column},`).join('');
  await db.query(`
      CREATE TABLE calendars (
        id text PRIMARY KEY,
        connection_id text NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
        tenant_id text NOT NULL,
        member_id text NOT NULL,
        provider_calendar_id text NOT NULL,
        name text NOT NULL,
        time_zone text NOT NULL,
        writable boolean NOT NULL,
        is_primary boolean NOT NULL DEFAULT false,
        role text NOT NULL CHECK (role IN ('booking', 'blocking', 'ignored')),
        sync_token text,${extra}
        synced_at timestamptz,
        next_sync_at timestamptz NOT NULL DEFAULT now(),
        sync_requested_at timestamptz,
        sync_lease_until timestamptz,
        UNIQUE (connection_id, provider_calendar_id)
      )`);
  await db.query(`CREATE UNIQUE INDEX calendars_one_booking ON calendars (connection_id) WHERE role = 'booking'`);
  await db.query(`CREATE INDEX calendars_member ON calendars (tenant_id, member_id)`);
}

/** The events we wrote for bookings: where and when, to tell our own changes from the owner's. */
export async function createBookingEventsTable(db: QueryRunner): Promise<void> {
  await db.query(`
      CREATE TABLE booking_events (
        booking_id text PRIMARY KEY,
        calendar_id text NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
        event_id text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        etag text,
        state text NOT NULL CHECK (state IN ('pending', 'live', 'deleted', 'moved')),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  await db.query(`CREATE UNIQUE INDEX booking_events_event ON booking_events (calendar_id, event_id)`);
}

/** When each connection's calendar list was last read, so that calendars added or removed since are seen. */
export async function addCalendarsListedAt(db: QueryRunner): Promise<void> {
  await db.query(`ALTER TABLE connections ADD COLUMN calendars_listed_at timestamptz NOT NULL DEFAULT now()`);
}

/**
 * Sign-ins in progress: the OAuth state as its SHA-256, who asked, the PKCE verifier sealed, until
 * when it may be used and whether it was. Nothing here is needed once a row expires.
 */
export async function createOAuthStatesTable(db: QueryRunner): Promise<void> {
  await db.query(`
      CREATE TABLE oauth_states (
        state_sha256 bytea PRIMARY KEY,
        tenant_id text NOT NULL,
        member_id text NOT NULL,
        verifier_key_id text NOT NULL,
        verifier_sealed text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
  await db.query(`CREATE INDEX oauth_states_expiry ON oauth_states (expires_at)`);
}
