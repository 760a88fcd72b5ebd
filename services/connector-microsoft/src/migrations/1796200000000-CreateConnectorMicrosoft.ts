import { createBookingEventsTable, createCalendarsTable, createConnectionsTable } from '@calldesk/connector-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateConnectorMicrosoft1796200000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // A member's Microsoft account. Tokens are sealed (AES-256-GCM, bound to the id), never in clear.
    await createConnectionsTable(db);
    // The account's calendars: names and zones (no event content), their role and sync state.
    await createCalendarsTable(db, ['sync_round_started_at timestamptz']);
    // Graph subscriptions. Our id is bound into the clientState; the clientState is kept as its SHA-256 only.
    await db.query(`
      CREATE TABLE subscriptions (
        id text PRIMARY KEY,
        calendar_id text NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
        client_state_sha256 bytea NOT NULL,
        subscription_id text UNIQUE,
        expires_at timestamptz,
        state text NOT NULL CHECK (state IN ('opening', 'open')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX subscriptions_calendar ON subscriptions (calendar_id)`);
    await createBookingEventsTable(db);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE booking_events');
    await db.query('DROP TABLE subscriptions');
    await db.query('DROP TABLE calendars');
    await db.query('DROP TABLE connections');
  }
}
